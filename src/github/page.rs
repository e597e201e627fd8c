//! Pagination and metric labels: the `next` URL of a `Link` header (GitHub
//! says to follow it, never to build page URLs), and a request's route
//! with its ids and names as `:id`, so that labels stay bounded.

/// One page of a list.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The `rel="next"` URL, absent on the last page.
    pub next: Option<String>,
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        let url = url.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| url.to_string())
    })
}

/// The route of `url` for metrics: the path without the query, numbers as
/// `:id`, and owners, repositories and organisations as `:owner`, `:repo`
/// and `:org` (names are as unbounded as ids).
pub fn route_label(url: &str, api_url: &str) -> String {
    let path = url.strip_prefix(api_url).unwrap_or(url);
    let path = path.split('?').next().unwrap_or("");
    let parts: Vec<&str> = path.split('/').collect();
    let mut out = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let before = if i > 0 { parts[i - 1] } else { "" };
        let before2 = if i > 1 { parts[i - 2] } else { "" };
        let label = if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            ":id"
        } else if before == "repos" {
            ":owner"
        } else if before2 == "repos" {
            ":repo"
        } else if before == "orgs" {
            ":org"
        } else if before == "deliveries" {
            ":id"
        } else {
            part
        };
        out.push(label);
    }
    out.join("/")
}

impl super::GitHub {
    /// Every item of a list, following its `next` links to the last page.
    pub async fn get_all<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        who: super::As,
    ) -> Result<Vec<T>, super::GithubError> {
        let mut items = Vec::new();
        let mut path = path.to_string();
        loop {
            let page = self.get_page::<T>(&path, who).await?;
            items.extend(page.items);
            match page.next {
                Some(next) => path = next,
                None => return Ok(items),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_found_among_the_others() {
        let link = r#"<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_12>; rel="next", <https://api.github.com/app/hook/deliveries?per_page=100>; rel="first""#;
        assert_eq!(
            next_link(link).as_deref(),
            Some("https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_12")
        );
        assert_eq!(next_link(r#"<https://x/y?page=1>; rel="prev""#), None);
    }

    #[test]
    fn routes_have_no_ids_or_names() {
        let api = "https://api.github.com";
        assert_eq!(
            route_label(
                "https://api.github.com/repos/octo/rocket/hooks/12/deliveries/99/attempts",
                api
            ),
            "/repos/:owner/:repo/hooks/:id/deliveries/:id/attempts"
        );
        assert_eq!(
            route_label(
                "https://api.github.com/orgs/acme/hooks/3/deliveries?cursor=x",
                api
            ),
            "/orgs/:org/hooks/:id/deliveries"
        );
        assert_eq!(
            route_label(
                "https://api.github.com/app/installations/5/access_tokens",
                api
            ),
            "/app/installations/:id/access_tokens"
        );
        assert_eq!(
            route_label("https://api.github.com/rate_limit", api),
            "/rate_limit"
        );
    }
}
