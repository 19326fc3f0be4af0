"""The lockout race through `cargo lambda watch`, as Lambda runs it: a burst
of wrong passwords and the right one, all at once, on one account, spread
over the watcher's several instances of the account function.

    python3 scripts/lockout_race.py BASE APP_ID [THRESHOLD]

Signs up a fresh user on the app, then sends 39 wrong passwords and the
right one concurrently. Holds when at most THRESHOLD (default 5, the
deployment's LOCKOUT_THRESHOLD) guesses were checked (401), every other
answer is the lockout's 429 or the right password's 200, and nothing failed
(no 5xx, no lost request). Prints the tally; exits 1 when it does not hold.
"""

import concurrent.futures
import json
import secrets
import sys
import urllib.error
import urllib.request

WRONG_GUESSES = 39


def post(url, body):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


def main():
    base, app_id = sys.argv[1], sys.argv[2]
    threshold = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    users = f"{base}/api/AppUsers/{app_id}"
    name = "race" + secrets.token_hex(6)
    password = "Right-" + secrets.token_urlsafe(12)
    status = post(f"{users}/SignUp", {"userName": name, "pwd": password, "platform": "web"})
    if status != 200:
        sys.exit(f"signing up {name} answered {status}")

    guesses = [f"wrong-{i}-{secrets.token_hex(4)}" for i in range(WRONG_GUESSES)]
    guesses.insert(secrets.randbelow(len(guesses) + 1), password)
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(guesses)) as pool:
        answers = list(
            pool.map(lambda pwd: (pwd, post(f"{users}/SignIn", {"userName": name, "pwd": pwd})), guesses)
        )

    tally = {}
    for _, status in answers:
        tally[status] = tally.get(status, 0) + 1
    right = next(status for pwd, status in answers if pwd == password)
    print(f"lockout race: {len(answers)} sign-ins, answers {dict(sorted(tally.items()))}, right password {right}")
    checked_wrong = sum(1 for pwd, status in answers if pwd != password and status == 401)
    problems = []
    if checked_wrong > threshold:
        problems.append(f"{checked_wrong} wrong passwords were checked, more than the threshold {threshold}")
    if any(status not in (200, 401, 429) for _, status in answers):
        problems.append("answers other than 200, 401 and 429")
    if right not in (200, 429):
        problems.append(f"the right password answered {right}")
    if any(status == 200 for pwd, status in answers if pwd != password):
        problems.append("a wrong password signed in")
    if problems:
        sys.exit("lockout race failed: " + "; ".join(problems))


if __name__ == "__main__":
    main()
