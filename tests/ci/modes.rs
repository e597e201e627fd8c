//! `[ci]`: `mode = "failures"` posts only the red result, `ignore` leaves
//! runs out (an ignored red run fails nothing), and a route's
//! `[routes.ci] mode = "off"` shows no CI at all.

use crate::support::configured::Configured;
use crate::*;

/// A summary or a result message (the PR's own title is "CI" too).
fn is_ci(text: &str) -> bool {
    text.starts_with("**CI** on")
        || text.contains(" CI passed on")
        || text.contains(" CI failed on")
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_mode_posts_only_the_red_result_and_ignore_leaves_runs_out() {
    let c = Configured::start(|_, _| {
        "[ci]\nmode = \"failures\"\nignore = [\"Codecov/*\"]\n".to_string()
    })
    .await;
    let _worker = c.worker().spawn();
    let repo = 934;
    opened(&c.stack, repo, 34, SHA).await;
    let green = [
        check_run(repo, SHA, 9101, "build", 701, Some("success"), 5),
        check_run(repo, SHA, 9102, "codecov/patch", 701, Some("failure"), 6),
    ];
    deliver_ci(&c.stack, &green, 500).await;
    let texts_now = texts(&c.stack);
    assert!(
        !texts_now.iter().any(|t| is_ci(t)),
        "no summary, no pass message, and the ignored red run fails nothing: {texts_now:?}"
    );
    let red = [check_run(repo, SHA, 9103, "lint", 701, Some("failure"), 7)];
    deliver_ci(&c.stack, &red, 600).await;
    let texts = texts(&c.stack);
    let ci: Vec<&String> = texts.iter().filter(|t| is_ci(t)).collect();
    assert_eq!(ci.len(), 1, "{texts:?}");
    assert!(
        ci[0].starts_with("❌ CI failed on `1111111`: "),
        "{}",
        ci[0]
    );
    assert!(
        ci[0].contains("lint") && !ci[0].contains("codecov"),
        "{}",
        ci[0]
    );
    assert_no_dead(&c.stack).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_route_with_ci_off_shows_no_ci() {
    let c = Configured::start(|_, channel| {
        format!(
            "[ci]\nmode = \"summary\"\n\n[[routes]]\nrepo = \"o/r\"\nchannel = \"{channel}\"\n\
             [routes.ci]\nmode = \"off\"\n"
        )
    })
    .await;
    let _worker = c.worker().spawn();
    let repo = 935;
    opened(&c.stack, repo, 35, SHA).await;
    let before = c.stack.discord.requests().len();
    let events = [
        check_run(repo, SHA, 9201, "build", 702, Some("failure"), 5),
        status(repo, SHA, "ci/circleci", "success", 6),
    ];
    deliver_ci(&c.stack, &events, 700).await;
    assert_eq!(
        c.stack.discord.requests().len(),
        before,
        "CI is off for o/r"
    );
    assert_no_dead(&c.stack).await;
}
