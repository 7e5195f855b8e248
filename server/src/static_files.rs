//! Static directories mounted under URL prefixes (`--mount /prefix=dir`).
//!
//! One fallback handler picks the longest matching prefix itself instead of
//! nesting routers: axum panics on some nest layouts (root nests, overlapping
//! prefixes), and this keeps arbitrary user mounts panic-free.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tower_http::services::ServeDir;

use crate::app::AppState;
use crate::config::Mount;

pub struct StaticFiles {
    /// Longest prefix first, so `/pkg` wins over `/`.
    mounts: Vec<(String, ServeDir)>,
}

impl StaticFiles {
    pub fn new(mounts: &[Mount]) -> Self {
        let mut mounts: Vec<(String, ServeDir)> =
            mounts.iter().map(|m| (m.prefix.clone(), ServeDir::new(&m.dir))).collect();
        mounts.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        StaticFiles { mounts }
    }

    /// The mount serving `path` and the path inside it.
    fn find<'a>(&self, path: &'a str) -> Option<(&str, &ServeDir, &'a str)> {
        self.mounts.iter().find_map(|(prefix, dir)| {
            let rest = if prefix == "/" { Some(path) } else { path.strip_prefix(prefix.as_str()) };
            match rest {
                Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                    Some((prefix.as_str(), dir, rest))
                }
                _ => None,
            }
        })
    }
}

pub async fn serve(State(app): State<Arc<AppState>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let Some((prefix, dir, rest)) = app.static_files.find(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // `/pkg` → `/pkg/`, so relative links inside the directory resolve.
    if rest.is_empty() {
        return redirect(&format!("{path}/{query}"));
    }
    let Ok(inner_uri) = format!("{rest}{query}").parse::<Uri>() else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let (mut parts, body) = req.into_parts();
    parts.uri = inner_uri;
    let mut response = match dir.clone().try_call(Request::from_parts(parts, body)).await {
        Ok(res) => res.map(Body::new),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    // ServeDir redirects `dir` → `dir/` using the path it saw; put the prefix back.
    if prefix != "/" {
        let fixed = response
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .filter(|l| l.starts_with('/'))
            .and_then(|l| HeaderValue::from_str(&format!("{prefix}{l}")).ok());
        if let Some(location) = fixed {
            response.headers_mut().insert(LOCATION, location);
        }
    }
    // Examples and the wasm bundle change on every rebuild: always revalidate.
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, value)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}
