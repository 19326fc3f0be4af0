//! Per-IP limits of unauthenticated requests: each request of a limited
//! route class, and each request whose backend signature fails, is counted
//! per app and source address in the current minute, before anything else
//! is done for it. The allowance is the app's own, else the deployment's.

use crate::domain::rate_limit::{Allowance, RouteClass, SourceAddress, Window};
use crate::domain::{App, Error, clock};
use crate::flows::app::AppRef;
use crate::store::Store;

/// The counting of one request's source address.
pub struct PerIp<'a> {
    pub store: &'a Store,
    /// `RATE_LIMIT_PER_IP_PER_MINUTE`, for apps without their own.
    pub default: Allowance,
    pub source: &'a SourceAddress,
}

impl PerIp<'_> {
    fn allowance(&self, app: &App) -> Allowance {
        app.rate_limit_per_ip
            .map_or(self.default, |per_minute| Allowance { per_minute })
    }

    fn counted(&self, class: RouteClass) -> String {
        format!("{}#{}", class.as_str(), self.source.as_str())
    }

    fn refused(class: RouteClass) -> String {
        format!("{} requests from this address", class.as_str())
    }

    /// Counts a request of `class` to `app`; the 429 once the minute's
    /// allowance is spent.
    pub async fn spend(&self, app: &App, class: RouteClass) -> Result<(), Error> {
        let counted = self.counted(class);
        count_against(
            self.store,
            app.id,
            &counted,
            self.allowance(app),
            &Self::refused(class),
        )
        .await
    }

    /// As `spend`, for the app of a route's path, which is read meanwhile
    /// (and kept for the handler) while the deployment limits by default.
    pub async fn spend_on_route(&self, app_ref: &AppRef, class: RouteClass) -> Result<(), Error> {
        if self.default.is_unlimited() {
            // Only apps with an allowance of their own count: read it first.
            let app = app_ref.load(self.store).await?;
            return self.spend(&app, class).await;
        }
        let now = clock::now();
        let window = Window::of(now);
        let counted = self.counted(class);
        let (app, count) = tokio::join!(
            app_ref.load(self.store),
            self.store.count_request(app_ref.id, &counted, window)
        );
        self.allowance(&app?)
            .admits(count?, window, now, &Self::refused(class))
    }
}

/// Counts one request against `counted` of `app_id` in the current minute;
/// past `allowance`, the 429 naming what `what` was counted. Nothing is
/// counted where the allowance is unlimited.
pub async fn count_against(
    store: &Store,
    app_id: u64,
    counted: &str,
    allowance: Allowance,
    what: &str,
) -> Result<(), Error> {
    if allowance.is_unlimited() {
        return Ok(());
    }
    let now = clock::now();
    let window = Window::of(now);
    let count = store.count_request(app_id, counted, window).await?;
    allowance.admits(count, window, now, what)
}
