//! The address the server is reached at from outside, for links in mail (which is read away
//! from the browser, so a link must be absolute).

use std::fmt;
use std::str::FromStr;

/// The public base address (`https://pulje.region.dk`, or with a path such as
/// `https://intra.region.dk/pulje`), without a trailing slash. Read from the configuration
/// (`--public-url`, `PULJE_PUBLIC_URL`); a malformed one is refused at start-up.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    /// The address a server started on `127.0.0.1:8080` (the default) is reached at.
    pub fn local_default() -> PublicUrl {
        PublicUrl("http://127.0.0.1:8080".into())
    }

    /// The address a server listening on `address` is reached at on the same machine: used
    /// when none is configured (an address listening on every interface becomes 127.0.0.1).
    pub fn of_listener(address: std::net::SocketAddr) -> PublicUrl {
        let ip = if address.ip().is_unspecified() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            address.ip()
        };
        PublicUrl(format!(
            "http://{}",
            std::net::SocketAddr::new(ip, address.port())
        ))
    }

    /// The absolute link to `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for PublicUrl {
    fn default() -> Self {
        PublicUrl::local_default()
    }
}

impl fmt::Debug for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicUrl({})", self.0)
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PublicUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let refuse = |why: &str| {
            Err(format!(
                "ugyldig offentlig adresse «{text}»: {why}; skriv den fulde adresse, fx https://pulje.region.dk"
            ))
        };
        let url = match url::Url::parse(text) {
            Ok(url) => url,
            Err(_) => return refuse("den kan ikke læses som en adresse"),
        };
        if !matches!(url.scheme(), "http" | "https") {
            return refuse("den skal begynde med http:// eller https://");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return refuse("den mangler et værtsnavn");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return refuse("den må ikke indeholde brugernavn eller adgangskode");
        }
        if url.query().is_some() || url.fragment().is_some() {
            return refuse("den må ikke have ? eller #");
        }
        Ok(PublicUrl(url.as_str().trim_end_matches('/').to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_read_with_or_without_a_path_and_a_bad_one_refused() {
        let base: PublicUrl = "https://pulje.region.dk/".parse().unwrap();
        assert_eq!(
            base.link("/applications/7"),
            "https://pulje.region.dk/applications/7"
        );
        let base: PublicUrl = " http://intra.example.dk:8443/pulje ".parse().unwrap();
        assert_eq!(
            base.link("/applications/7"),
            "http://intra.example.dk:8443/pulje/applications/7"
        );
        assert_eq!(PublicUrl::default().link("/x"), "http://127.0.0.1:8080/x");
        let any = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(
            PublicUrl::of_listener(any).as_str(),
            "http://127.0.0.1:9000"
        );
        let v6 = "[::1]:9000".parse().unwrap();
        assert_eq!(PublicUrl::of_listener(v6).as_str(), "http://[::1]:9000");
        for bad in [
            "pulje.region.dk",
            "ftp://pulje.region.dk",
            "https://bruger:kode@pulje.region.dk",
            "https://pulje.region.dk/?a=1",
            "",
        ] {
            let e = bad.parse::<PublicUrl>().unwrap_err();
            assert!(e.starts_with("ugyldig offentlig adresse"), "{bad}: {e}");
        }
    }
}
