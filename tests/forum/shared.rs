//! Two repositories in one forum: post titles carry the repository.

use super::{in_repo, ForumStack, ALL_TAGS};
use crate::support::history::History;

#[tokio::test(flavor = "multi_thread")]
async fn posts_of_two_repositories_have_qualified_titles() {
    let f = ForumStack::start(&ALL_TAGS, false, &["o/r", "o/other"]).await;
    let _worker = f.worker();
    let mut rocket = History::new(831, 31, "Fix launch");
    rocket.opened();
    let mut other = History::new(832, 32, "Add docs");
    other.opened();
    in_repo(&mut other.events, "o/other");
    f.stack.deliver_all(&rocket.events).await;
    f.deliver_from(&other.events, 0).await;

    let mut names: Vec<String> = f
        .stack
        .discord
        .forum_posts(f.forum)
        .into_iter()
        .map(|p| p.name)
        .collect();
    names.sort();
    assert_eq!(names, ["other#32 Add docs", "r#31 Fix launch"]);
    for post in f.stack.discord.forum_posts(f.forum) {
        assert_eq!(f.stack.discord.applied_tags(post.id), [f.tags[0]]);
    }
}
