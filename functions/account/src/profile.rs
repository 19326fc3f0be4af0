//! `GET Profile` and `PUT Profile`: the signed-in user's own record, in the
//! seed's shape (legacy) and as v1's `UserProfileResult` and
//! `UpdateProfileRequest`, which add the extended profile and the switches
//! of each way to sign in.

use oauthapp_shared::domain::points::POINTS_CURRENCY;
use oauthapp_shared::domain::profile::{Birthday, HeldWays, ProfileDetails, SignInSwitches, SwitchChanges};
use oauthapp_shared::domain::{Error, User, clock, validate};
use oauthapp_shared::http::{Bearer, Ctx, Json};
use oauthapp_shared::store::ProfileChanges;
use serde::{Deserialize, Serialize};
use time::UtcOffset;

/// The profile as the seed shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    #[serde(rename = "appID")]
    app_id: u64,
    platform: String,
    #[serde(rename = "unionID")]
    union_id: Option<String>,
    phone: String,
    create_date: String,
    user_name: Option<String>,
    phone_is_valid: bool,
    data: Option<String>,
    email: String,
    email_is_valid: bool,
    last_update: String,
    nick_name: String,
    id: u64,
    avatar: String,
    role: String,
}

impl ProfileView {
    fn new(user: User, offset: UtcOffset) -> Self {
        Self {
            app_id: user.app_id,
            platform: user.platform,
            union_id: user.union_id,
            phone: user.phone,
            create_date: clock::display(user.created_at, offset),
            user_name: user.user_name,
            phone_is_valid: user.phone_is_valid,
            data: user.data,
            email: user.email,
            email_is_valid: user.email_is_valid,
            last_update: clock::display(user.updated_at, offset),
            nick_name: user.nick_name,
            id: user.id,
            avatar: user.avatar,
            role: user.role,
        }
    }
}

/// v1's `UserProfileResult`.
#[derive(Debug, Serialize)]
pub struct UserProfileResult {
    user: UserView,
    currencies: Vec<UserCurrency>,
    role: String,
}

/// v1's `User`: every field the service keeps, never a password or hash.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UserView {
    id: u64,
    platform: String,
    #[serde(rename = "unionID")]
    union_id: Option<String>,
    nick_name: String,
    avatar: String,
    data: Option<String>,
    user_name: Option<String>,
    email: String,
    email_is_valid: bool,
    phone: String,
    phone_is_valid: bool,
    #[serde(flatten)]
    details: ProfileDetails,
    birthday: Option<String>,
    #[serde(flatten)]
    switches: SignInSwitches,
    #[serde(rename = "enable2FAAuth")]
    enable_two_factor: bool,
    create_date: String,
    last_update: String,
}

/// v1's `UserCurrency`: one balance of the user.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UserCurrency {
    #[serde(rename = "userID")]
    user_id: u64,
    currency_code: String,
    balance: i64,
}

impl UserProfileResult {
    /// `balances`: the user's balances of currencies other than the points.
    fn new(user: User, balances: Vec<(String, i64)>, offset: UtcOffset) -> Self {
        let points = (POINTS_CURRENCY.to_owned(), user.points.point_balance);
        let currencies = std::iter::once(points)
            .chain(balances)
            .map(|(currency_code, balance)| UserCurrency {
                user_id: user.id,
                currency_code,
                balance,
            })
            .collect();
        let view = UserView {
            id: user.id,
            platform: user.platform,
            union_id: user.union_id,
            nick_name: user.nick_name,
            avatar: user.avatar,
            data: user.data,
            user_name: user.user_name,
            email: user.email,
            email_is_valid: user.email_is_valid,
            phone: user.phone,
            phone_is_valid: user.phone_is_valid,
            details: user.details,
            birthday: user.birthday.as_deref().and_then(Birthday::display),
            switches: user.switches,
            enable_two_factor: user.two_factor.is_on(),
            create_date: clock::display(user.created_at, offset),
            last_update: clock::display(user.updated_at, offset),
        };
        Self {
            user: view,
            currencies,
            role: user.role,
        }
    }
}

/// The fields both generations change.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUpdate {
    avatar: Option<String>,
    data: Option<String>,
    nick_name: Option<String>,
}

impl ProfileUpdate {
    /// Checked against the limits (nick name, avatar) of the generation.
    fn into_changes(self, (nick_name_max, avatar_max): (usize, usize)) -> Result<ProfileChanges, Error> {
        if let Some(avatar) = &self.avatar {
            validate::text("avatar", avatar, avatar_max)?;
        }
        if let Some(data) = &self.data {
            validate::data(data)?;
        }
        if let Some(nick_name) = &self.nick_name {
            validate::text("nickName", nick_name, nick_name_max)?;
        }
        Ok(ProfileChanges {
            avatar: self.avatar,
            data: self.data,
            nick_name: self.nick_name,
            ..ProfileChanges::default()
        })
    }
}

/// What v1's `UpdateProfileRequest` adds besides the free-text details and
/// the switches, which are read as views of their own.
#[derive(Deserialize)]
pub struct V1Extras {
    /// Empty clears it.
    birthday: Option<String>,
    /// Two-factor sign-in is turned on and off with `TwoFactorAuth`, which
    /// takes a code; here it may only be restated.
    #[serde(rename = "enable2FAAuth")]
    enable_two_factor: Option<bool>,
}

/// v1's `UpdateProfileRequest`, read as four views of one body.
type UpdateProfileRequest = (
    (Json<ProfileUpdate>, Json<V1Extras>),
    (Json<ProfileDetails>, Json<SwitchChanges>),
);

pub async fn get(ctx: Ctx<'_, Bearer>, (): ()) -> Result<ProfileView, Error> {
    Ok(ProfileView::new(
        ctx.caller.user,
        ctx.services.config.display_offset,
    ))
}

/// The points' balance is the user item's, read with the token; the other
/// currencies' are one Query of the user's balance items.
pub async fn get_v1(ctx: Ctx<'_, Bearer>, (): ()) -> Result<UserProfileResult, Error> {
    let user = ctx.caller.user;
    let balances = ctx.services.store.currency_balances(user.app_id, user.id).await?;
    Ok(UserProfileResult::new(
        user,
        balances,
        ctx.services.config.display_offset,
    ))
}

/// Changes only the fields the body names.
pub async fn put(ctx: Ctx<'_, Bearer>, Json(body): Json<ProfileUpdate>) -> Result<bool, Error> {
    let changes = body.into_changes((validate::NICK_NAME_MAX, validate::AVATAR_MAX))?;
    update(&ctx, changes).await
}

/// As `put`, with the extended profile and the sign-in switches; switching
/// off every way the user can sign in is refused.
pub async fn put_v1(
    ctx: Ctx<'_, Bearer>,
    ((Json(body), Json(extras)), (Json(details), Json(switches))): UpdateProfileRequest,
) -> Result<bool, Error> {
    let mut changes = body.into_changes((validate::V1_NICK_NAME_MAX, validate::V1_AVATAR_MAX))?;
    details.validate()?;
    changes.details = details;
    changes.birthday = extras
        .birthday
        .map(|raw| match raw.as_str() {
            "" => Ok(None),
            raw => Birthday::parse(raw).map(Some),
        })
        .transpose()?;
    let user = &ctx.caller.user;
    if extras
        .enable_two_factor
        .is_some_and(|on| on != user.two_factor.is_on())
    {
        return Err(Error::invalid(
            "`enable2FAAuth` is changed with TwoFactorAuth, which needs a code from the authenticator app: \
             POST /User/{appKey}/TwoFactorAuth turns it on, DELETE turns it off.",
        ));
    }
    let next = user.switches.with(switches);
    if user.switches.turns_off_any(next) {
        keeps_a_way_in(&ctx, next).await?;
    }
    changes.switches = (next != user.switches).then_some((next, user.switches));
    update(&ctx, changes).await
}

/// Refuses `next` if it leaves the caller no way to sign in. Their
/// bindings are read only when nothing else keeps a way open.
async fn keeps_a_way_in(ctx: &Ctx<'_, Bearer>, next: SignInSwitches) -> Result<(), Error> {
    let user = &ctx.caller.user;
    let without_union_ids = next.keep_a_way_in(HeldWays::of(user, false));
    if without_union_ids.is_ok() || !next.enable_union_id_sign_in {
        return without_union_ids;
    }
    let bindings = ctx.services.store.bindings(ctx.app.id, user.id).await?;
    let union_id = bindings.iter().any(|binding| binding.enable);
    next.keep_a_way_in(HeldWays::of(user, union_id))
}

async fn update(ctx: &Ctx<'_, Bearer>, changes: ProfileChanges) -> Result<bool, Error> {
    let (store, user_id) = (&ctx.services.store, ctx.caller.user.id);
    let guarded = changes.switches.is_some();
    if store
        .update_profile(ctx.app.id, user_id, changes, clock::now())
        .await?
    {
        return Ok(true);
    }
    // A switch change also fails when the switches changed meanwhile.
    match store.user(ctx.app.id, user_id).await? {
        Some(_) if guarded => Err(Error::conflict(
            "The sign-in switches changed meanwhile; read the profile and send the change again.",
        )),
        _ => Err(Error::user_gone()),
    }
}
