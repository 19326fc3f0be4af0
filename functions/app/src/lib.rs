//! The `app` function: v1 `/App/{appKey}/Info`, what a client may know of
//! its app before anyone signs in: the card and the properties the
//! operator publishes. It reads the app and nothing else, and answers
//! nothing of its secrets or settings.

use oauthapp_shared::domain::app_property::{AppProperty, PropertyCode};
use oauthapp_shared::domain::rate_limit::RouteClass;
use oauthapp_shared::domain::{App, Error};
use oauthapp_shared::http::{Anyone, Ctx, Query, Routes};
use serde::Serialize;

/// The routes this function serves, exactly as API Gateway routes them.
#[rustfmt::skip]
pub fn routes() -> Routes {
    Routes::new()
        .get("/App/{appKey}/Info", Anyone, info).per_ip(RouteClass::AppInfo)
}

/// The v1 client's `AppInfoResult`.
#[derive(Serialize)]
pub struct AppInfo {
    info: AppInfoItem,
    props: Vec<AppProperty>,
}

/// The v1 client's `AppInfoItem`: the card, by the key and id that name it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppInfoItem {
    app_key: String,
    id: u64,
    name: String,
    logo: String,
    tags: Option<String>,
    website: String,
    description: Option<String>,
    /// The tenant's id, which the client reads as a number: none for a
    /// tenant id that is not one.
    #[serde(rename = "projectID")]
    project_id: Option<u64>,
}

impl AppInfo {
    fn of(app: App, code: Option<&PropertyCode>) -> Self {
        let card = app.card;
        Self {
            info: AppInfoItem {
                app_key: app.key,
                id: app.id,
                name: card.name,
                logo: card.logo,
                tags: card.tags,
                website: card.website,
                description: card.description,
                project_id: app.tenant_id.parse().ok(),
            },
            props: app.properties.named(code),
        }
    }
}

/// `GET Info?propCode=`: the card and every property, or only the one of
/// `propCode` (none when the app has no such property).
async fn info(ctx: Ctx<'_, Anyone>, query: Query) -> Result<AppInfo, Error> {
    let code = query
        .param("propCode")
        .map(|code| PropertyCode::parse("propCode", code))
        .transpose()?;
    let app = ctx.app.load(&ctx.services.store).await?;
    Ok(AppInfo::of(app, code.as_ref()))
}
