//! The web origins an app lists (`oauthapp-admin apps set --web-origins`):
//! the pages whose browsers may read the API's answers (CORS). Each is kept
//! as a browser writes the `Origin` header (lower-case scheme and host, no
//! default port, no path), so a request's origin is listed exactly when it
//! equals one of them, and nothing else ever matches.

/// At most this many per app: a studio's sites, not a pattern.
pub const MAX_WEB_ORIGINS: usize = 20;

/// `Ok` when `value` is an origin as a browser sends it, `scheme://host[:port]`
/// with scheme `https`, or `http` for a page on this machine (127.0.0.0/8,
/// `localhost`); else what is wrong with it.
pub fn check(value: &str) -> Result<(), String> {
    let (scheme, authority) = value
        .split_once("://")
        .ok_or_else(|| format!("{value:?} is not scheme://host[:port]"))?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    if !(is_dns_name(host) || ipv4(host).is_some()) {
        return Err(format!(
            "{value:?}: the host must be a lower-case DNS name or an IPv4 address, \
             with no path, user, wildcard or trailing slash"
        ));
    }
    let default_port = match scheme {
        "https" => "443",
        "http" if is_loopback(host) => "80",
        "http" => return Err(format!("{value:?}: a page on another machine must be https")),
        _ => {
            return Err(format!(
                "{value:?}: the scheme must be https (or http on 127.0.0.1)"
            ));
        }
    };
    if let Some(port) = port {
        let number = port
            .parse::<u16>()
            .ok()
            .filter(|&n| n > 0 && !port.starts_with('0'));
        if number.is_none() {
            return Err(format!("{value:?}: the port must be a number from 1 to 65535"));
        }
        if port == default_port {
            return Err(format!(
                "{value:?}: leave out the default port {port}, as browsers do"
            ));
        }
    }
    Ok(())
}

/// Labels of `[a-z0-9-]`, neither starting nor ending with `-`; IDNs in
/// their `xn--` form, as browsers send them.
fn is_dns_name(host: &str) -> bool {
    host.len() <= 253
        && ipv4(host).is_none()
        && host.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        && !host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// The four octets of a dotted IPv4 address written as browsers write it.
fn ipv4(host: &str) -> Option<[u8; 4]> {
    let octets: Vec<u8> = host
        .split('.')
        .map(|octet| {
            let canonical = octet == "0" || !octet.starts_with('0');
            octet
                .parse::<u8>()
                .ok()
                .filter(|_| canonical && octet.bytes().all(|b| b.is_ascii_digit()))
        })
        .collect::<Option<_>>()?;
    octets.try_into().ok()
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || ipv4(host).is_some_and(|[first, ..]| first == 127)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_origins_as_browsers_send_them() {
        for good in [
            "https://a.example",
            "https://b.example:8443",
            "https://xn--bcher-kva.example",
            "http://127.0.0.1:8080",
            "http://localhost:3000",
            "http://127.0.0.1",
            "https://203.0.113.7",
        ] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn refuses_anything_else() {
        for bad in [
            "",
            "a.example",
            "https://",
            "https://a.example/",
            "https://a.example/path",
            "https://a.example?x",
            "https://a.example#x",
            "https://*.example",
            "*",
            "null",
            "https://user@a.example",
            "https://A.example",
            "HTTPS://a.example",
            "https://a.example:443",
            "http://127.0.0.1:80",
            "https://a.example:0",
            "https://a.example:65536",
            "https://a.example:080",
            "https://a.example:",
            "https://-a.example",
            "https://a..example",
            "https://a.example.",
            "https://bücher.example",
            "https://[::1]:8080",
            "https://127.0.0.01",
            "https://256.0.0.1",
            "https://1.2.3",
            "http://a.example",
            "http://10.0.0.1:8080",
            "ftp://a.example",
            "https://a.example https://b.example",
        ] {
            assert!(check(bad).is_err(), "{bad:?} was taken");
        }
    }
}
