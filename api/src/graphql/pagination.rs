//! Relay cursor connections: `first` / `after`, default 20, at most 100, with `totalCount`.

use async_graphql::SimpleObject;
use qunyun_core::defaults::platform::{PAGE_DEFAULT, PAGE_MAX};
use qunyun_core::page::{Page, PageRequest};
use uuid::Uuid;

use super::error::{Code, error};
use super::ids::{decode_cursor, encode_cursor};

#[derive(SimpleObject, Clone, Debug, Default)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// Checks `first` and `after`: a negative `first` or a foreign cursor is `BAD_USER_INPUT`; a
/// `first` above the maximum is capped.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<PageRequest> {
    let first = match first {
        None => PAGE_DEFAULT,
        Some(n) if n < 0 => {
            return Err(error(Code::BadUserInput, "first must not be negative"));
        }
        Some(n) => (n as usize).min(PAGE_MAX),
    };
    let after = match after {
        None => None,
        Some(cursor) => Some(
            decode_cursor(&cursor)
                .ok_or_else(|| error(Code::BadUserInput, "after is not a cursor of this list"))?,
        ),
    };
    Ok(PageRequest {
        first: first as u64,
        after,
    })
}

/// The parts every connection is made of.
pub struct Built<N> {
    pub edges: Vec<(String, N)>,
    pub page_info: PageInfo,
    pub total_count: i32,
}

/// Turns a page of rows into edges, taking each row's id for its cursor.
pub fn build<T, N>(page: Page<T>, id: impl Fn(&T) -> Uuid, node: impl Fn(T) -> N) -> Built<N> {
    let edges: Vec<(String, N)> = page
        .items
        .into_iter()
        .map(|item| (encode_cursor(id(&item)), node(item)))
        .collect();
    let page_info = PageInfo {
        has_next_page: page.has_next,
        has_previous_page: page.has_previous,
        start_cursor: edges.first().map(|(c, _)| c.clone()),
        end_cursor: edges.last().map(|(c, _)| c.clone()),
    };
    Built {
        edges,
        page_info,
        total_count: i32::try_from(page.total).unwrap_or(i32::MAX),
    }
}

/// Declares `XConnection` / `XEdge` for a node type.
#[macro_export]
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        #[derive(async_graphql::SimpleObject)]
        pub struct $conn {
            pub edges: Vec<$edge>,
            pub page_info: $crate::graphql::pagination::PageInfo,
            pub total_count: i32,
        }

        impl From<$crate::graphql::pagination::Built<$node>> for $conn {
            fn from(built: $crate::graphql::pagination::Built<$node>) -> Self {
                $conn {
                    edges: built
                        .edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info: built.page_info,
                    total_count: built.total_count,
                }
            }
        }
    };
}
