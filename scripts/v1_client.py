"""The v1 API of the local stack, driven through its published client.

    python3 scripts/v1_client.py BASE APP_KEY APP_SECRET WECHAT_PORT -- ADMIN...

zsgf-client (module ZSGF.Client, the OpenAPI-generated Python client of the
v1 API, pinned in scripts/env.sh) calls every v1 operation that the service
serves and the client has. Happy paths check what the client parsed (its
models and their types), error paths that the client raises its ApiException
with the status and a v1 envelope {"code","data","error"} in its body.

APP_KEY and APP_SECRET are an app that takes union ids on the client's word
(`--union-id-proof none`) and has no per-IP limit: the fuzz app of
scripts/fuzz.sh. ADMIN... is the admin CLI, with which the check makes an app
of its own, new on every run: the default union-id proof (the backend's
request signature, which the client sends as `_headers`), the legacy QR flow
(the client's QR models have no codeChallenge or scanTicket), and WeChat
accounts, the mini-program's appid that of vector B of docs/wechat.md.

The functions' WECHAT_API_BASE is http://127.0.0.1:WECHAT_PORT. First
nothing listens there, and every WeChat call must fail as docs/api.md says;
then a fake WeChat served here answers as docs/wechat.md describes WeChat's
answers, and every call must succeed, JSConfig's among them.

Exits 1 with the first check that fails; prints `v1_client: ok (N
operations, M checks)` otherwise. Part of `make test` (scripts/fuzz.sh).
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import pydantic
from ZSGF.Client import ApiClient, Configuration
from ZSGF.Client.api import AppApi, ExternalAccountApi, UserApi, UserCurrencyApi, UserFriendsApi, WechatApi
from ZSGF.Client.exceptions import ApiException
from ZSGF.Client.models import (
    CurrencyConsumeRequest,
    CurrencyTransaction,
    ExchangeCurrencyRequest,
    RechargePointRequest,
    UserCurrency,
    AppInfoItem,
    AppUserResetEmailRequest,
    AppUserResetPhoneRequest,
    AppUserResetPwdRequest,
    UpdateProfileRequest,
    AppInfoResult,
    AppProperty,
    EmailSignInRequest,
    EmailSignUpRequest,
    PhoneSignInRequest,
    PhoneSignUpRequest,
    SendEmailCodeRequest,
    SendSMSCodeRequest,
    ExternalAccountBindRequest,
    ExternalAccountPutRequest,
    ExternalAccountSignInRequest,
    QRCodePreSignInRequest,
    QRCodeScanRequest,
    QRCodeSignInRequest,
    QRCodeSignUpRequest,
    SetupCode,
    SignInRequest,
    SignUpRequest,
    TokenModel,
    UnionIDSignInRequest,
    UnionIDSignUpRequest,
    UserLogins,
    UserQRCodeScanResult,
    WechatJSConfigResult,
)

# A password that the client's SignUpRequest pattern and the apps' standard
# password policy both take.
PASSWORD = "v1-Client-pass_42"

# docs/wechat.md, vector B: it decrypts for mini-program wxfakeappid00001 only.
VECTOR_B = {
    "appid": "wxfakeappid00001",
    "session_key": "ZmFrZS1zZXNzaW9uLWtleQ==",
    "iv": "ZmFrZS1pdi0xNmJ5dGVzIQ==",
    "encrypted_data": "rQnewQGrqmy6pt+mhOiJEQE4hObwk6L3cxM6HiUs1EzauXb2STXxMhh5xNeIjjhmX9bjUfUW5IKkm34COnAHJ"
    "dqM70eU85zmvAuobiojIqWbD527l5KSpkq44PYP/AFvI+SQUej+yaZnU+2Eq18eVPJPkZi3ND7rwe4yTdiKEM3kE8WsQWhw+RSZwc6n"
    "jNsUz0iScOVzCairZA1wQQQ/vA==",
    "plaintext": '{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":"86",'
    '"watermark":{"timestamp":1700000000,"appid":"wxfakeappid00001"}}',
}

CHECKS = 0
OPERATIONS = set()


def check(condition, message):
    global CHECKS
    CHECKS += 1
    if not condition:
        sys.exit(f"v1_client: {message}")


def call(operation, *args, **kwargs):
    """What the client's operation answered, parsed; any exception fails the check."""
    name = operation.__name__
    OPERATIONS.add(name)
    try:
        return operation(*args, **kwargs)
    except ApiException as error:
        check(False, f"{name} raised {error.status}: {error.body}")
    except pydantic.ValidationError as error:
        # The client's models raise it: for a request before anything is
        # sent, for an answer that the client could not parse.
        check(False, f"{name}: the client refused its request or could not parse the answer: {error}")


def refused(status, operation, *args, **kwargs):
    """The error text of the v1 envelope in the client's ApiException, once checked."""
    name = operation.__name__
    OPERATIONS.add(name)
    try:
        answer = operation(*args, **kwargs)
    except ApiException as error:
        check(error.status == status, f"{name} raised {error.status}, not {status}: {error.body}")
        try:
            envelope = json.loads(error.body)
        except (TypeError, ValueError):
            envelope = None
        check(
            isinstance(envelope, dict) and set(envelope) == {"code", "data", "error"},
            f"{name}: the {status}'s body is not a v1 envelope: {error.body!r}",
        )
        check(envelope["code"] == status and envelope["data"] is None, f"{name}: a {status} with {envelope}")
        check(isinstance(envelope["error"], str) and envelope["error"], f"{name}: a {status} without error text")
        return envelope["error"]
    except pydantic.ValidationError as error:
        check(False, f"{name}: the client refused its request or could not parse the answer: {error}")
    check(False, f"{name} answered {answer}, not {status}")


def builder(api, name, response_type):
    """Operation `name` of `api` sent with the client's own request builder (its
    `_<name>_serialize`, then the ApiClient's call_api and response_deserialize)
    instead of its public method. The client types the bodies of WeChat's JSON
    pass-through calls as lists, and WeChat takes an object there (the service
    refuses a list, 400): only the builder can send the object."""
    serialize = getattr(api, f"_{name}_serialize")

    def send(app_key, request_body, _headers=None):
        request = serialize(
            app_key=app_key,
            request_body=request_body,
            _request_auth=None,
            _content_type=None,
            _headers=_headers,
            _host_index=0,
        )
        answer = api.api_client.call_api(*request)
        answer.read()
        return api.api_client.response_deserialize(answer, {"200": response_type}).data

    send.__name__ = name
    send.serialize = serialize
    return send


def signature(secret, operation, *args, **kwargs):
    """The app backend's signature headers (docs/api.md, "The request
    signature") for the request that operation(*args, **kwargs) sends, as the
    client builds it: its serializer's method, URL and Authorization header,
    and the body as ZSGF.Client.rest sends it, json.dumps of the serialized
    model."""
    serialize = getattr(operation, "serialize", None)
    if serialize is None:
        serialize = getattr(operation.__self__, f"_{operation.__name__}_serialize")
    method, url, headers, body, _ = serialize(
        *args, **kwargs, _request_auth=None, _content_type=None, _headers=None, _host_index=0
    )
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    raw = "" if body is None else json.dumps(body)
    authorization = hashlib.sha256(headers.get("Authorization", "").encode()).hexdigest()
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    text = "\n".join([timestamp, nonce, method, target, authorization, raw])
    return {
        "X-OAuthApp-Timestamp": timestamp,
        "X-OAuthApp-Nonce": nonce,
        "X-OAuthApp-Signature": hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest(),
    }


def signed(app, operation):
    """operation, with every request signed by app's backend."""

    def send(*args, **kwargs):
        return operation(*args, **kwargs, _headers=signature(app.secret, operation, *args, **kwargs))

    send.__name__ = operation.__name__
    return send


class App:
    def __init__(self, key, secret, app_id=None, name=None, oa_appid=None):
        self.key, self.secret, self.id, self.name, self.oa_appid = key, secret, app_id, name, oa_appid


class Stack:
    def __init__(self, base, fuzz_key, fuzz_secret, wechat_port, admin):
        self.base, self.wechat_port, self.admin = base, wechat_port, admin
        self.fuzz = App(fuzz_key, fuzz_secret)
        # New WeChat secrets every run: no access token or jsapi ticket of an
        # earlier run is shared with this app.
        name, oa_appid = "v1 client app", "wxv1oa" + secrets.token_hex(5)
        created = subprocess.run([*admin, "apps", "create", "--name", name], check=True, stdout=subprocess.PIPE)
        created = json.loads(created.stdout)
        settings = {
            "--qr-mode": "legacy",
            "--rate-limit-per-ip": "0",
            "--wechat-mini-appid": VECTOR_B["appid"],
            "--wechat-mini-secret": secrets.token_hex(16),
            "--wechat-oa-appid": oa_appid,
            "--wechat-oa-secret": secrets.token_hex(16),
            "--js-api-list": "chooseImage,updateAppMessageShareData",
            "--wechat-callers": "users",
        }
        subprocess.run(
            [*admin, "apps", "set", str(created["appId"]), *sum(settings.items(), ()), "--no-wechat-check"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.own = App(created["appKey"], created["appSecret"], int(created["appId"]), name, oa_appid)

    def client(self, token=None):
        """The client's ApiClient, with a Bearer token if given."""
        return ApiClient(Configuration(host=self.base, access_token=token))

    def sign_up(self, app):
        """A new user of app: the user name and the parsed TokenModel."""
        name = new_user_name()
        answer = call(UserApi(self.client()).user_sign_up, app.key, SignUpRequest(user_name=name, pwd=PASSWORD))
        return name, answer.data


def new_user_name():
    return "v1" + secrets.token_hex(6)


def new_union_id():
    return "v1-" + secrets.token_hex(8)


def token_checks(what, answer, max_expires_in=86400):
    """The TokenModel of a TokenModelApiResponse, once checked: code 200, a JWT, Bearer."""
    check(answer.code == 200 and answer.error == "", f"{what}: the envelope says {answer.code} {answer.error!r}")
    token = answer.data
    check(isinstance(token, TokenModel), f"{what}: data parsed as {type(token)}")
    check(isinstance(token.access_token, str) and token.access_token.count(".") == 2, f"{what}: no JWT")
    check(token.token_type == "Bearer", f"{what}: token_type {token.token_type!r}")
    check(
        isinstance(token.expires_in, int) and 0 < token.expires_in <= max_expires_in,
        f"{what}: expires_in {token.expires_in!r}",
    )
    return token


def bindings(stack, app, token):
    """The caller's bindings as the client parsed them (a Bearer call)."""
    answer = call(ExternalAccountApi(stack.client(token)).user_o_auth_accounts, app.key)
    check(answer.code == 200 and isinstance(answer.data, list), f"the bindings answer {answer}")
    for binding in answer.data:
        check(isinstance(binding, UserLogins), f"a binding parsed as {type(binding)}")
    return answer.data


# The groups, run in order (GROUPS below), one function each. The service's
# TwoFactorAuth POST and DELETE, SignOut, Sessions and ForgotPwd have no
# operation in the client.


def password_accounts(stack):
    """/User/{appKey}/SignUp and SignIn (UserApi)."""
    api, key = UserApi(stack.client()), stack.fuzz.key
    name = new_user_name()
    signed_up = call(api.user_sign_up, key, SignUpRequest(user_name=name, pwd=PASSWORD, nick_name="v1 client"))
    token = token_checks("SignUp", signed_up)
    # The token works on a Bearer call made through the client.
    check(bindings(stack, stack.fuzz, token.access_token) == [], "a new user has bindings")

    signed_in = token_checks("SignIn", call(api.user_sign_in, key, SignInRequest(user_name=name, pwd=PASSWORD)))
    check(signed_in.access_token != token.access_token, "SignIn answered the sign-up's token")
    bindings(stack, stack.fuzz, signed_in.access_token)

    for taken_name in (name, name.upper()):
        taken = refused(409, api.user_sign_up, key, SignUpRequest(user_name=taken_name, pwd=PASSWORD))
        check("taken" in taken, f"the taken user name {taken_name}: {taken}")
    wrong = refused(401, api.user_sign_in, key, SignInRequest(user_name=name, pwd=PASSWORD + "x"))
    unknown = refused(401, api.user_sign_in, key, SignInRequest(user_name=name + "x", pwd=PASSWORD))
    check(wrong == unknown, f"a wrong password ({wrong!r}) and an unknown user ({unknown!r}) read differently")
    refused(404, api.user_sign_in, "no-such-app-key", SignInRequest(user_name=name, pwd=PASSWORD))


def profile(stack):
    """GET and PUT /User/{appKey}/Profile (UserApi): the client's User model
    parses every field, and the switches keep a way in."""
    name, token = stack.sign_up(stack.fuzz)
    api, key = UserApi(stack.client(token.access_token)), stack.fuzz.key
    change = UpdateProfileRequest(
        nick_name="v1 profile",
        biography="写代码的人",
        company="Studio",
        birthday=datetime.datetime(1990, 5, 1, 23, 30),
        enable_o_auth=False,
    )
    updated = call(api.user_update_profile, key, change)
    check(updated.data is True, f"PUT Profile answered {updated!r}")
    answer = call(api.user_profile, key).data
    user = answer.user
    check(user.user_name == name and user.nick_name == "v1 profile", f"the profile's names: {user!r}")
    check(user.biography == "写代码的人" and user.company == "Studio", f"the extended profile: {user!r}")
    check(user.birthday == datetime.datetime(1990, 5, 1), f"the birthday's date: {user.birthday!r}")
    check(user.enable_o_auth is False and user.enable_user_name_sign_in is True, f"the switches: {user!r}")
    check(user.enable2_fa_auth is False and user.pwd is None, f"two-factor and no password: {user!r}")
    check(isinstance(user.create_date, datetime.datetime), f"createDate parsed: {user.create_date!r}")
    check(answer.role == "user", f"the role: {answer.role!r}")
    check(
        [(c.currency_code, c.balance) for c in answer.currencies or []][:1] == [("points", 0)],
        f"the balances: {answer.currencies!r}",
    )
    last_way = refused(400, api.user_update_profile, key, UpdateProfileRequest(enable_user_name_sign_in=False))
    check("no way to sign in" in last_way, f"switching off the last way in: {last_way}")
    refused(400, api.user_update_profile, key, UpdateProfileRequest(enable2_fa_auth=True))
    refused(401, UserApi(stack.client("not-a-token")).user_profile, key)


def credential_changes(stack):
    """ResetPwd, ResetEmail and ResetPhone (UserApi), with the reset codes
    read back from the emulators; ForgotPwd has no operation in the client."""
    name, token = stack.sign_up(stack.fuzz)
    api, key = UserApi(stack.client(token.access_token)), stack.fuzz.key
    new_password = PASSWORD + "-2"
    wrong = refused(401, api.user_reset_pwd, key, AppUserResetPwdRequest(oldpwd=PASSWORD + "x", pwd=new_password))
    check("oldpwd" in wrong, f"a wrong current password: {wrong}")
    changed = call(api.user_reset_pwd, key, AppUserResetPwdRequest(oldpwd=PASSWORD, pwd=new_password))
    check(changed.data is True, f"ResetPwd answered {changed!r}")
    public = UserApi(stack.client())
    refused(401, public.user_sign_in, key, SignInRequest(user_name=name, pwd=PASSWORD))
    token_checks("SignIn with the new password", call(public.user_sign_in, key, SignInRequest(user_name=name, pwd=new_password)))

    email = f"v1-{secrets.token_hex(6)}@example.com"
    call(public.user_send_email_code, key, SendEmailCodeRequest(email=email, type="reset"))
    code = delivered_code("email", email)
    wrong_code = f"{(int(code) + 1) % 1_000_000:06}"
    refused(400, api.user_reset_email, key, AppUserResetEmailRequest(email=email, code=wrong_code))
    moved = call(api.user_reset_email, key, AppUserResetEmailRequest(email=email, code=code))
    check(moved.data is True, f"ResetEmail answered {moved!r}")
    phone = "139" + f"{secrets.randbelow(10**8):08}"
    call(public.user_send_sms_code, key, SendSMSCodeRequest(phone=phone, type="reset"))
    code = delivered_code("sms", "+86" + phone)
    moved = call(api.user_reset_phone, key, AppUserResetPhoneRequest(phone=phone, code=code))
    check(moved.data is True, f"ResetPhone answered {moved!r}")
    user = call(api.user_profile, key).data.user
    check((user.email, user.email_is_valid) == (email, True), f"the new email: {user!r}")
    check((user.phone, user.phone_is_valid) == (phone, True), f"the new phone: {user!r}")


def deactivation(stack):
    """DELETE /User/{appKey}/DeactivateHard (UserApi): the account goes,
    its token is refused and its user name is free."""
    name, token = stack.sign_up(stack.fuzz)
    api, key = UserApi(stack.client(token.access_token)), stack.fuzz.key
    deleted = call(api.user_deactivate_hard, key)
    check(deleted.data is True, f"DeactivateHard answered {deleted!r}")
    refused(404, api.user_profile, key)
    again = call(UserApi(stack.client()).user_sign_up, key, SignUpRequest(user_name=name, pwd=PASSWORD))
    token_checks("SignUp with the freed name", again)


def delivered_code(kind, address):
    """The code in the last message the local SES v2 or SNS emulator (the
    SDK endpoints fuzz.sh set for the functions) delivered to `address`."""
    if kind == "email":
        store = json.load(urlopen(os.environ["AWS_ENDPOINT_URL_SESV2"] + "/store"))
        texts = [e["body"]["text"] for e in store["emails"] if address in e["destination"]["to"]]
    else:
        data = json.load(urlopen(os.environ["AWS_ENDPOINT_URL_SNS"] + "/moto-api/data.json"))
        texts = [m["message"] for m in data["sns"]["SMS"] if m["phone_number"] == address]
    check(texts, f"nothing was delivered to {address}")
    found = re.search(r"\d{6}", texts[-1])
    check(found, f"no code in the message to {address}: {texts[-1]!r}")
    return found.group(0)


def subject_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["nameid"]


def address_accounts(stack):
    """SendEmailCode / SendSMSCode, EmailSignUp / EmailSignIn and
    PhoneSignUp / PhoneSignIn (UserApi), with the codes read back from the
    emulators that delivered them."""
    api, key = UserApi(stack.client()), stack.fuzz.key
    email = f"v1-{secrets.token_hex(6)}@example.com"
    sent = call(api.user_send_email_code, key, SendEmailCodeRequest(email=email, type="signup"))
    check(sent.data is True and sent.code == 200, f"SendEmailCode answered {sent!r}")
    code = delivered_code("email", email)
    wrong = f"{(int(code) + 1) % 1_000_000:06}"
    bad = refused(400, api.user_email_sign_up, key, EmailSignUpRequest(email=email, pwd=PASSWORD, email_code=wrong))
    signed_up = call(api.user_email_sign_up, key, EmailSignUpRequest(email=email, pwd=PASSWORD, email_code=code))
    token = token_checks("EmailSignUp", signed_up)
    bindings(stack, stack.fuzz, token.access_token)
    again = refused(400, api.user_email_sign_up, key, EmailSignUpRequest(email=email, pwd=PASSWORD, email_code=code))
    check(again == bad, f"a used code ({again!r}) and a wrong one ({bad!r}) read differently")

    call(api.user_send_email_code, key, SendEmailCodeRequest(email=email, type="signin"))
    code = delivered_code("email", email)
    signed_in = token_checks("EmailSignIn", call(api.user_email_sign_in, key, EmailSignInRequest(email=email, verify_code=code)))
    check(subject_of(signed_in.access_token) == subject_of(token.access_token), "EmailSignIn signed in someone else")
    stranger = f"v1-{secrets.token_hex(6)}@example.com"
    unknown = refused(400, api.user_email_sign_in, key, EmailSignInRequest(email=stranger, verify_code=code))
    check(unknown == bad.replace("emailCode", "verifyCode"), f"an unknown address reads {unknown!r}")

    phone = "139" + f"{secrets.randbelow(10**8):08}"
    sent = call(api.user_send_sms_code, key, SendSMSCodeRequest(phone=phone, type="signup"))
    check(sent.data is True, f"SendSMSCode answered {sent!r}")
    code = delivered_code("sms", "+86" + phone)
    token = token_checks(
        "PhoneSignUp", call(api.user_phone_sign_up, key, PhoneSignUpRequest(phone=phone, pwd=PASSWORD, phone_code=code))
    )
    call(api.user_send_sms_code, key, SendSMSCodeRequest(phone=phone, type="signin"))
    code = delivered_code("sms", "+86" + phone)
    signed_in = token_checks(
        "PhoneSignIn", call(api.user_phone_sign_in, key, PhoneSignInRequest(phone=phone, verify_code=code))
    )
    check(subject_of(signed_in.access_token) == subject_of(token.access_token), "PhoneSignIn signed in someone else")
    # Past the address's allowance the client gets the 429 in an envelope.
    for _ in range(int(os.environ.get("VERIFICATION_CODES_PER_MINUTE", "1"))):
        try:
            api.user_send_sms_code(key, SendSMSCodeRequest(phone=phone, type="reset"))
        except ApiException:
            break
    refused(429, api.user_send_sms_code, key, SendSMSCodeRequest(phone=phone, type="reset"))


def union_id_accounts(stack):
    """/User/{appKey}/UnionIDSignUp and UnionIDSignIn (UserApi): the fuzz app
    takes union ids on the client's word, the check's own app wants the
    backend's signature."""
    api, key = UserApi(stack.client()), stack.fuzz.key
    union_id = new_union_id()
    sign_up = UnionIDSignUpRequest(user_name=new_user_name(), union_id=union_id, platform="github", pwd=PASSWORD)
    token_checks("UnionIDSignUp", call(api.user_union_id_sign_up, key, sign_up))
    sign_in = UnionIDSignInRequest(union_id=union_id, platform="github")
    token = token_checks("UnionIDSignIn", call(api.user_union_id_sign_in, key, sign_in))
    listed = bindings(stack, stack.fuzz, token.access_token)
    check([(b.platform, b.union_id) for b in listed] == [("github", union_id)], f"the sign-up's binding: {listed}")

    again = UnionIDSignUpRequest(user_name=new_user_name(), union_id=union_id, platform="github", pwd=PASSWORD)
    refused(409, api.user_union_id_sign_up, key, again)
    unknown = UnionIDSignInRequest(union_id=new_union_id(), platform="github")
    refused(404, api.user_union_id_sign_in, key, unknown)
    # The client requires `pwd`: without a user name it signs in nowhere,
    # but it is the password ResetPwd asks for.
    nameless = UnionIDSignUpRequest(union_id=new_union_id(), platform="github", pwd=PASSWORD)
    nameless_token = token_checks("UnionIDSignUp without a user name", call(api.user_union_id_sign_up, key, nameless))
    own_api = UserApi(stack.client(nameless_token.access_token))
    changed = call(own_api.user_reset_pwd, key, AppUserResetPwdRequest(oldpwd=PASSWORD, pwd=PASSWORD + "-2"))
    check(changed.data is True, f"ResetPwd of a union-id account: {changed!r}")
    # Signature headers that are sent must verify, even where the app needs none.
    sign_up = UnionIDSignUpRequest(
        user_name=new_user_name(), union_id=new_union_id(), platform="github", pwd=PASSWORD
    )
    error = refused(401, signed(App(key, "not-the-app-secret"), api.user_union_id_sign_up), key, sign_up)
    check("does not match" in error, f"a wrong signature: {error}")
    token_checks("signed UnionIDSignUp", call(signed(stack.fuzz, api.user_union_id_sign_up), key, sign_up))

    own, union_id = stack.own, new_union_id()
    sign_up = UnionIDSignUpRequest(user_name=new_user_name(), union_id=union_id, platform="github", pwd=PASSWORD)
    unsigned = refused(401, api.user_union_id_sign_up, own.key, sign_up)
    check("sign" in unsigned, f"an unsigned UnionIDSignUp: {unsigned}")
    token_checks("signed UnionIDSignUp", call(signed(own, api.user_union_id_sign_up), own.key, sign_up))
    sign_in = UnionIDSignInRequest(union_id=union_id, platform="github")
    headers = signature(own.secret, api.user_union_id_sign_in, own.key, sign_in)
    token_checks("signed UnionIDSignIn", call(api.user_union_id_sign_in, own.key, sign_in, _headers=headers))
    replayed = refused(401, api.user_union_id_sign_in, own.key, sign_in, _headers=headers)
    check("replay" in replayed, f"a replayed signature: {replayed}")
    headers = signature(own.secret, api.user_union_id_sign_in, own.key, sign_in)
    other = UnionIDSignInRequest(union_id=union_id, platform="gitlab")
    refused(401, api.user_union_id_sign_in, own.key, other, _headers=headers)


def two_factor(stack):
    """GET /User/{appKey}/TwoFactorAuth (UserApi.user_two_factor_auth)."""
    name, token = stack.sign_up(stack.fuzz)
    answer = call(UserApi(stack.client(token.access_token)).user_two_factor_auth, stack.fuzz.key)
    setup = answer.data
    check(answer.code == 200 and isinstance(setup, SetupCode), f"TwoFactorAuth answered {answer}")
    check(name in setup.account, f"the authenticator's label {setup.account!r}")
    secret = setup.manual_entry_key
    check(len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20, f"manualEntryKey {secret!r}")
    check(setup.qr_code_setup_image_url.startswith("data:image/png;base64,"), "qrCodeSetupImageUrl is no PNG")

    refused(401, UserApi(stack.client()).user_two_factor_auth, stack.fuzz.key)
    _, other_app = stack.sign_up(stack.own)
    refused(401, UserApi(stack.client(other_app.access_token)).user_two_factor_auth, stack.fuzz.key)


def external_accounts(stack):
    """/ExternalAccount/{appKey} POST, GET, PUT, DELETE and SignIn (ExternalAccountApi)."""
    key = stack.fuzz.key
    _, token = stack.sign_up(stack.fuzz)
    api, anyone = ExternalAccountApi(stack.client(token.access_token)), ExternalAccountApi(stack.client())
    union_id = new_union_id()
    bind = ExternalAccountBindRequest(union_id=union_id, platform="github", platform_name="GitHub", data="v1")
    bound = call(api.user_external_account_bind, key, external_account_bind_request=bind)
    check(bound.code == 200 and bound.data is True, f"the binding answered {bound}")

    (binding,) = bindings(stack, stack.fuzz, token.access_token)
    check(isinstance(binding.id, int) and isinstance(binding.user_id, int), f"ids {binding.id}, {binding.user_id}")
    check(
        (binding.platform, binding.union_id, binding.platform_name, binding.data, binding.enable)
        == ("github", union_id, "GitHub", "v1", True),
        f"the binding reads {binding}",
    )
    check(
        isinstance(binding.create_date, datetime.datetime) and isinstance(binding.last_update, datetime.datetime),
        f"dates {binding.create_date!r}, {binding.last_update!r}",
    )

    def put(client_api, **fields):
        change = ExternalAccountPutRequest(**fields)
        return client_api.user_o_auth_accounts_put_bind, binding.id, key, None, change

    changed = call(*put(api, enable=False))
    check(changed.data is True, f"PUT answered {changed}")
    (disabled,) = bindings(stack, stack.fuzz, token.access_token)
    check(disabled.enable is False and disabled.data == "v1", f"after PUT enable=false: {disabled}")
    sign_in = ExternalAccountSignInRequest(union_id=union_id, platform="github")
    refused(403, anyone.external_account_sign_in, key, None, sign_in)

    avatar = "https://avatars.example/v1.png"
    call(*put(api, enable=True, avatar=avatar))
    signed_in = token_checks("external SignIn", call(anyone.external_account_sign_in, key, None, sign_in))
    (enabled,) = bindings(stack, stack.fuzz, signed_in.access_token)
    check(enabled.id == binding.id and enabled.enable and enabled.avatar == avatar, f"after PUT: {enabled}")

    _, other = stack.sign_up(stack.fuzz)
    others = ExternalAccountApi(stack.client(other.access_token))
    refused(409, others.user_external_account_bind, key, None, bind)
    refused(404, *put(others, enable=False))
    refused(404, others.user_o_auth_accounts_un_bind, binding.id, key)
    unknown = ExternalAccountSignInRequest(union_id=new_union_id(), platform="github")
    refused(404, anyone.external_account_sign_in, key, None, unknown)
    refused(401, anyone.user_external_account_bind, key, None, bind)
    refused(401, anyone.user_o_auth_accounts, key)

    removed = call(api.user_o_auth_accounts_un_bind, binding.id, key)
    check(removed.data is True, f"DELETE answered {removed}")
    check(bindings(stack, stack.fuzz, token.access_token) == [], "the binding outlived its DELETE")
    refused(404, api.user_o_auth_accounts_un_bind, binding.id, key)


def qr_auth(stack):
    """/Wechat/{appKey}/QR-Auth/* (WechatApi): the client's models carry the
    legacy flow only, so its happy paths run on the check's own app."""
    anyone = WechatApi(stack.client())
    error = refused(400, anyone.initiate_qr_auth_session, stack.fuzz.key, QRCodePreSignInRequest())
    check("codeChallenge" in error, f"a strict app's Initiate without a challenge: {error}")

    own = stack.own
    _, token = stack.sign_up(own)
    user = WechatApi(stack.client(token.access_token))

    def scanned_key():
        key = call(anyone.initiate_qr_auth_session, own.key, QRCodePreSignInRequest(remark="v1 client")).data
        check(isinstance(key, int) and 2**52 <= key < 2**53, f"the sign-in key {key!r}")
        card = call(anyone.scan_qr_code_for_auth, own.key, QRCodeScanRequest(sign_in_key=key)).data
        check(isinstance(card, UserQRCodeScanResult), f"the card parsed as {type(card)}")
        check((card.app_id, card.name, card.remark) == (own.id, own.name, "v1 client"), f"the card reads {card}")
        return key

    key = scanned_key()
    refused(401, anyone.confirm_qr_code_login, own.key, QRCodeSignInRequest(sign_in_key=key))
    confirmed = call(user.confirm_qr_code_login, own.key, QRCodeSignInRequest(sign_in_key=key))
    token_checks("Confirm-Login", confirmed, max_expires_in=token.expires_in)
    refused(409, user.confirm_qr_code_login, own.key, QRCodeSignInRequest(sign_in_key=key))
    refused(404, anyone.scan_qr_code_for_auth, stack.fuzz.key, QRCodeScanRequest(sign_in_key=key))

    key = scanned_key()
    register = QRCodeSignUpRequest(sign_in_key=key, union_id=new_union_id(), nick_name="v1 client")
    refused(401, anyone.confirm_qr_code_registration, own.key, register)
    registered = call(signed(own, anyone.confirm_qr_code_registration), own.key, register)
    token_checks("Confirm-Register", registered)


def unserved(stack):
    """A path that the client calls and the service does not serve: the
    catch-all's 404 envelope, raised by the client as an ApiException."""
    _, token = stack.sign_up(stack.fuzz)
    error = refused(404, UserFriendsApi(stack.client(token.access_token)).user_mutual_followers, stack.fuzz.key)
    check(error == "There is no such endpoint.", f"the catch-all's 404 says {error!r}")


# WeChat's JSON pass-through calls: the client's operation, its answer type,
# a body, the WeChat path the service sends it to, the fake's answer and what
# the client must parse of the service's answer to it.
FAKE_JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")
FAKE_MSGID = 2**60 + 12345  # beyond 2**53: read as a float, it would lose digits
OK = {"errcode": 0, "errmsg": "ok"}
PASS_THROUGH = [
    ("wechat_subscribe_send", "StringApiResponse",
     {"touser": "o-v1-client", "template_id": "tpl-v1", "data": {"thing1": {"value": "v1"}}},
     "/cgi-bin/message/subscribe/send", {**OK, "msgid": FAKE_MSGID},
     lambda answer: json.loads(answer.data)["msgid"] == FAKE_MSGID),
    ("wechat_subscribe_msg", "StringApiResponse",
     {"touser": "o-v1-client", "template_id": "tpl-v1", "scene": "1", "title": "v1",
      "data": {"content": {"value": "v1 client", "color": "#FF0000"}}},
     "/cgi-bin/message/template/subscribe", OK,
     lambda answer: json.loads(answer.data) == OK),
    ("wechat_url_link_generate", "StringApiResponse", {"path": "pages/index", "query": "from=v1"},
     "/wxa/generate_urllink", {**OK, "url_link": "https://wxaurl.cn/v1client0001"},
     lambda answer: answer.data == "https://wxaurl.cn/v1client0001"),
    ("wechat_generate_scheme", "StringApiResponse", {"jump_wxa": {"path": "pages/index"}},
     "/wxa/generatescheme", {**OK, "openlink": "weixin://dl/business/?t=v1client001"},
     lambda answer: answer.data == "weixin://dl/business/?t=v1client001"),
    # The code images: the client's answer type is bytearray, the body itself.
    ("wechat_wxa_code_get", "bytearray", {"path": "pages/index?from=v1"},
     "/wxa/getwxacode", FAKE_JPEG, lambda answer: answer == FAKE_JPEG),
    ("wechat_wxa_code_get_unlimited", "bytearray", {"scene": "from=v1", "page": "pages/index"},
     "/wxa/getwxacodeunlimit", FAKE_JPEG, lambda answer: answer == FAKE_JPEG),
    # The client's answer type is `object`: the whole envelope, as JSON.
    ("wechat_msg_sec_check", "object", {"content": "hello", "scene": 2, "openid": "o-v1-client", "version": 2},
     "/wxa/msg_sec_check", {**OK, "result": {"suggest": "pass", "label": 100}, "trace_id": "v1"},
     lambda answer: answer["code"] == 200 and answer["data"] == {"suggest": "pass", "label": 100}),
]


def wechat_unreachable(stack):
    """/Wechat/{appKey}/* (WechatApi) while nothing answers at WECHAT_API_BASE:
    the documented 502, and the refusals that need no WeChat."""
    own = stack.own
    _, token = stack.sign_up(own)
    anyone, user = WechatApi(stack.client()), WechatApi(stack.client(token.access_token))

    def unreachable(operation, *args):
        error = refused(502, operation, *args)
        check(error.startswith("WeChat did not answer usably"), f"{operation.__name__} without WeChat: {error}")

    unreachable(anyone.wechat_js_code2_session, own.key, "v1-login-code")
    unreachable(user.wechat_js_config, own.key, "https://v1-client.example/page")
    unreachable(signed(own, anyone.wechat_user_info), own.key, "o-v1-client")
    for name, answer_type, body, *_ in PASS_THROUGH:
        unreachable(signed(own, builder(anyone, name, answer_type)), own.key, body)
        if "subscribe" not in name:  # a user may message only an openid of theirs (403 below)
            unreachable(builder(user, name, answer_type), own.key, body)

    error = refused(401, anyone.wechat_js_config, own.key, "https://v1-client.example/page")
    check("Bearer" in error, f"JSConfig without a token: {error}")
    refused(400, user.wechat_js_config, own.key, "not a url")
    # The client's public method sends its list-typed body, not WeChat's object.
    error = refused(400, user.wechat_url_link_generate, own.key, [{"path": "pages/index"}])
    check("object" in error, f"a list body: {error}")
    someone_else = {"touser": "o-someone-else", "template_id": "tpl", "data": {}}
    refused(403, builder(user, "wechat_subscribe_send", "StringApiResponse"), own.key, someone_else)
    msg_sec_check = builder(anyone, "wechat_msg_sec_check", "object")
    error = refused(400, signed(own, msg_sec_check), own.key, {"content": "hi", "version": 1})
    check("version" in error, f"MsgSecCheck version 1: {error}")

    # Decrypt is computed here, without WeChat: vector B is for the own app's
    # mini-program, not for the fuzz app's.
    vector = (VECTOR_B["encrypted_data"], VECTOR_B["iv"], VECTOR_B["session_key"])
    decrypted = call(anyone.wechat_decrypt, own.key, *vector)
    check(decrypted.code == 200 and decrypted.data == VECTOR_B["plaintext"], f"Decrypt answered {decrypted}")
    error = refused(400, anyone.wechat_decrypt, stack.fuzz.key, *vector)
    check(error.startswith("Cannot decrypt"), f"Decrypt for another mini-program: {error}")
    error = refused(400, anyone.wechat_decrypt, own.key, vector[0], "AAAA", vector[2])
    check(error.startswith("Cannot decrypt"), f"Decrypt with a short iv: {error}")


FAKE_LOGIN_CODE = "v1-good-login-code"


class FakeWechat(ThreadingHTTPServer):
    """WeChat's server API on 127.0.0.1:port, answering as docs/wechat.md
    describes: tokens, the jsapi ticket, login codes, followers and the
    pass-through calls, each with the access token it handed out."""

    daemon_threads = True

    def __init__(self, port):
        self.tokens = {}  # access token -> appid
        self.requests = []  # (method, path, query, body)
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), FakeWechatHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @staticmethod
    def ticket(appid):
        return f"jsapi-ticket-{appid}"

    def last_body(self, path):
        with self.lock:
            return next((body for _, sent, _, body in reversed(self.requests) if sent == path), None)

    def answer(self, method, path, query, body):
        with self.lock:
            self.requests.append((method, path, query, body))
        if path == "/cgi-bin/stable_token":
            token = "fake-token-" + secrets.token_hex(16)
            with self.lock:
                self.tokens[token] = body["appid"]
            return {"access_token": token, "expires_in": 7200}
        if path == "/sns/jscode2session":
            if query.get("js_code") != FAKE_LOGIN_CODE:
                return {"errcode": 40029, "errmsg": "invalid code, rid: 0-0-0"}
            return {"openid": "o-v1-client", "session_key": VECTOR_B["session_key"], "unionid": "u-v1-client"}
        with self.lock:
            appid = self.tokens.get(query.get("access_token"))
        if appid is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}
        if path == "/cgi-bin/ticket/getticket" and query.get("type") == "jsapi":
            return {**OK, "ticket": self.ticket(appid), "expires_in": 7200}
        if path == "/cgi-bin/user/info":
            return {"subscribe": 1, "openid": query.get("openid"), "unionid": "u-v1-client"}
        for _, _, _, wechat_path, answer, _ in PASS_THROUGH:
            if path == wechat_path:
                return answer
        return {"errcode": 40066, "errmsg": "invalid url"}


class FakeWechatHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.reply(None)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.reply(json.loads(self.rfile.read(length) or b"null"))

    def reply(self, body):
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        answer = self.server.answer(self.command, url.path, query, body)
        if isinstance(answer, bytes):
            payload, content_type = answer, "image/jpeg"
        else:
            payload, content_type = json.dumps(answer).encode(), "application/json; encoding=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


def wechat_answering(stack):
    """/Wechat/{appKey}/* (WechatApi) with the fake WeChat answering: what the
    client parses of each success, JSConfig's string timestamp among them."""
    own = stack.own
    fake = FakeWechat(stack.wechat_port)
    try:
        _, token = stack.sign_up(own)
        anyone, user = WechatApi(stack.client()), WechatApi(stack.client(token.access_token))

        url = "https://v1-client.example/page?from=v1"
        answer = call(user.wechat_js_config, own.key, url + "#section")
        config = answer.data
        check(answer.code == 200 and isinstance(config, WechatJSConfigResult), f"JSConfig answered {answer}")
        check(
            config.app_key == own.oa_appid and config.js_api_list == ["chooseImage", "updateAppMessageShareData"],
            f"JSConfig reads {config}",
        )
        check(
            isinstance(config.timestamp, str) and config.timestamp.isdigit()
            and abs(int(config.timestamp) - time.time()) < 300,
            f"JSConfig's timestamp {config.timestamp!r}",
        )
        check(len(config.noncestr) == 16 and config.noncestr.isalnum(), f"JSConfig's noncestr {config.noncestr!r}")
        text = f"jsapi_ticket={fake.ticket(own.oa_appid)}&noncestr={config.noncestr}&timestamp={config.timestamp}"
        expected = hashlib.sha1(f"{text}&url={url}".encode()).hexdigest()
        check(config.signature == expected, f"JSConfig's signature {config.signature!r}, not {expected}")

        session = call(anyone.wechat_js_code2_session, own.key, FAKE_LOGIN_CODE)
        check(
            isinstance(session.data, str) and json.loads(session.data)["openid"] == "o-v1-client",
            f"JSCode2Session answered {session}",
        )
        error = refused(400, anyone.wechat_js_code2_session, own.key, "v1-used-login-code")
        check("40029" in error, f"a bad login code: {error}")

        info = call(signed(own, anyone.wechat_user_info), own.key, "o-v1-client")
        check(info.code == 200 and info.data == "u-v1-client", f"UserInfo answered {info}")

        for name, answer_type, body, wechat_path, _, parsed in PASS_THROUGH:
            answer = call(signed(own, builder(anyone, name, answer_type)), own.key, body)
            check(parsed(answer), f"{name} answered {answer!r}")
            sent = fake.last_body(wechat_path)
            check(sent == body, f"{name} sent WeChat {sent}, not the body {body}")
    finally:
        fake.shutdown()
        fake.server_close()


def app_info(stack):
    """/App/{appKey}/Info (AppApi): the card and the properties the operator
    sets with the admin CLI, with and without propCode, as the client parsed
    them; nothing secret in the raw answer."""
    own, api = stack.own, AppApi(stack.client())
    notice = "https://v1-client.example/notice?lang=en"
    subprocess.run(
        [*stack.admin, "apps", "set", str(own.id), "--prop", "minVersion=2.1.0",
         "--prop-desc", "minVersion=Older clients must update", "--prop", f"notice.url={notice}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    answer = call(api.app_info, own.key)
    check(answer.code == 200 and isinstance(answer.data, AppInfoResult), f"Info answered {answer!r}")
    info = answer.data.info
    check(
        isinstance(info, AppInfoItem) and (info.app_key, info.id, info.name) == (own.key, own.id, own.name),
        f"Info's card reads {info!r}",
    )
    # A new app's tenant id is "1", which the client reads as the number 1.
    check(info.project_id == 1 and info.description is None, f"Info's projectID and description: {info!r}")
    props = answer.data.props
    check(all(isinstance(prop, AppProperty) for prop in props), f"Info's props parsed as {props!r}")
    check(
        [(prop.code, prop.value, prop.desc) for prop in props]
        == [("minVersion", "2.1.0", "Older clients must update"), ("notice.url", notice, None)],
        f"Info's props read {props!r}",
    )
    only = call(api.app_info, own.key, prop_code="notice.url").data.props
    check([(prop.code, prop.value) for prop in only] == [("notice.url", notice)], f"propCode=notice.url: {only!r}")
    none = call(api.app_info, own.key, prop_code="noSuchCode").data.props
    check(none == [], f"propCode=noSuchCode: {none!r}")
    error = refused(400, api.app_info, own.key, prop_code="two words")
    check("propCode" in error, f"a malformed propCode: {error}")
    refused(404, api.app_info, "no-such-app-key")
    raw = call(api.app_info_with_http_info, own.key).raw_data.decode()
    check(own.secret not in raw and "secret" not in raw, f"Info's answer holds a secret: {raw}")

def query_signature(secret, operation, *args, timestamp=None, **kwargs):
    """The nonce, timestamp and signature query parameters (docs/api.md,
    "User currency routes") of the request operation(..., **kwargs) sends,
    as a backend computes them: the path with the query as the client
    builds it less `signature`, the hash of its Authorization header and
    json.dumps of the serialized body."""
    nonce, timestamp = secrets.token_hex(16), int(time.time()) if timestamp is None else timestamp
    serialize = getattr(operation.__self__, f"_{operation.__name__}_serialize")
    method, url, headers, body, _ = serialize(
        nonce, timestamp, "placeholder", *args, **{"user_id": None, **kwargs},
        _request_auth=None, _content_type=None, _headers=None, _host_index=0,
    )
    parts = urlsplit(url)
    kept = [pair for pair in parts.query.split("&") if pair and pair.split("=", 1)[0] != "signature"]
    target = parts.path + ("?" + "&".join(kept) if kept else "")
    raw = "" if body is None else json.dumps(body)
    authorization = hashlib.sha256(headers.get("Authorization", "").encode()).hexdigest()
    text = "\n".join([str(timestamp), nonce, method, target, authorization, raw])
    return nonce, timestamp, hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def user_currency(stack):
    """/UserCurrency/{appKey} (UserCurrencyApi): the operator's currencies
    and rate, recharge, consume and exchange signed in the query as a backend
    signs them, the balances and transactions as the client parsed them, and
    the refusals: beyond the balance, unknown currency, inexact exchange,
    another user's id, a signature for another user's token, a replay, a
    stale timestamp."""
    own = stack.own
    subprocess.run(
        [*stack.admin, "apps", "set", str(own.id), "--currency", "gold", "--exchange-rate", "points:gold=100"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    _, token = stack.sign_up(own)
    _, other = stack.sign_up(own)
    user_id = str(subject_of(token.access_token))
    api = UserCurrencyApi(stack.client(token.access_token))
    other_api = UserCurrencyApi(stack.client(other.access_token))

    for operation, body in [
        (api.user_currency_recharge, RechargePointRequest(currency="points", balance=300, remark="v1 client")),
        (api.user_currency_consume, CurrencyConsumeRequest(currency="points", balance=50, tags="shop")),
        (api.user_currency_exchange, ExchangeCurrencyRequest(from_currency="points", currency="gold", balance=200)),
    ]:
        body = currency_body(operation, body)
        answer = call(operation, *query_signature(own.secret, operation, own.key, **body), own.key, **body)
        check(answer.code == 200 and answer.data is True, f"{operation.__name__} answered {answer!r}")
    balances = call(api.user_currencies, own.key, user_id).data
    check(all(isinstance(balance, UserCurrency) for balance in balances), f"balances parsed as {balances!r}")
    check(
        [(b.currency_code, b.balance, str(b.user_id)) for b in balances] == [("points", 50, user_id), ("gold", 2, user_id)],
        f"balances read {balances!r}",
    )
    page = call(api.user_currency_transactions, own.key, cur_code="points", take=10).data
    check(page.total == 3 and all(isinstance(e, CurrencyTransaction) for e in page.data), f"points log: {page!r}")
    newest = page.data[0]
    check(
        (newest.transaction_type, newest.currency_change, newest.currency_balance) == ("exchange", -200, 50)
        and isinstance(newest.create_date, datetime.datetime),
        f"the newest points entry reads {newest!r}",
    )
    since = datetime.datetime.now() + datetime.timedelta(days=1)
    later = call(api.user_currency_transactions, own.key, start_time=since).data
    check(later.total == 0, f"startTime tomorrow: {later!r}")

    beyond = CurrencyConsumeRequest(currency="gold", balance=3)
    error = refused(400, api.user_currency_consume, *query_signature(own.secret, api.user_currency_consume, own.key, currency_consume_request=beyond), own.key, currency_consume_request=beyond)
    check("less than" in error, f"a consumption beyond the balance: {error}")
    unknown = RechargePointRequest(currency="silver", balance=1)
    error = refused(400, api.user_currency_recharge, *query_signature(own.secret, api.user_currency_recharge, own.key, recharge_point_request=unknown), own.key, recharge_point_request=unknown)
    check("silver" in error, f"an unknown currency: {error}")
    inexact = ExchangeCurrencyRequest(from_currency="points", currency="gold", balance=50)
    error = refused(400, api.user_currency_exchange, *query_signature(own.secret, api.user_currency_exchange, own.key, exchange_currency_request=inexact), own.key, exchange_currency_request=inexact)
    check("multiple of 100" in error, f"an inexact exchange: {error}")
    refused(403, api.user_currencies, own.key, str(subject_of(other.access_token)))
    # Signed for this user's token, sent with the other user's: nothing moves.
    gift = RechargePointRequest(currency="gold", balance=1000)
    signing = query_signature(own.secret, api.user_currency_recharge, own.key, recharge_point_request=gift)
    error = refused(401, other_api.user_currency_recharge, *signing, own.key, recharge_point_request=gift)
    check("does not match" in error, f"a signature for another token: {error}")
    small = RechargePointRequest(currency="gold", balance=1)
    signing = query_signature(own.secret, api.user_currency_recharge, own.key, recharge_point_request=small)
    call(api.user_currency_recharge, *signing, own.key, recharge_point_request=small)
    error = refused(401, api.user_currency_recharge, *signing, own.key, recharge_point_request=small)
    check("replayed" in error, f"a replayed signed recharge: {error}")
    stale = query_signature(own.secret, api.user_currency_recharge, own.key, timestamp=int(time.time()) - 120, recharge_point_request=small)
    error = refused(401, api.user_currency_recharge, *stale, own.key, recharge_point_request=small)
    check("60 seconds" in error, f"a stale timestamp: {error}")
    gold = [b.balance for b in call(api.user_currencies, own.key, user_id).data if b.currency_code == "gold"]
    check(gold == [3], f"after the refusals the gold balance is {gold}")
    other_gold = call(other_api.user_currencies, own.key, str(subject_of(other.access_token))).data
    check([b.balance for b in other_gold] == [0, 0], f"the other user's balances: {other_gold!r}")


def currency_body(operation, body):
    """body as the keyword argument operation takes it."""
    name = {
        "user_currency_recharge": "recharge_point_request",
        "user_currency_consume": "currency_consume_request",
        "user_currency_exchange": "exchange_currency_request",
    }[operation.__name__]
    return {name: body}


GROUPS = [
    password_accounts,
    address_accounts,
    profile,
    credential_changes,
    deactivation,
    union_id_accounts,
    two_factor,
    external_accounts,
    qr_auth,
    unserved,
    wechat_unreachable,
    wechat_answering,
    app_info,
    user_currency,
]


def main():
    base, app_key, app_secret, wechat_port = sys.argv[1:5]
    admin = sys.argv[sys.argv.index("--") + 1 :]
    stack = Stack(base, app_key, app_secret, int(wechat_port), admin)
    for group in GROUPS:
        group(stack)
    print(f"v1_client: ok ({len(OPERATIONS)} operations, {CHECKS} checks)")


if __name__ == "__main__":
    main()
