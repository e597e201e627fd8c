//! A matrix of 12 check runs over two check suites and one workflow run,
//! delivered out of order and with duplicates, under Discord's limits.

use crate::support::fake_discord::Limits;
use crate::support::stack::Stack;
use crate::*;

#[tokio::test(flavor = "multi_thread")]
async fn a_matrix_out_of_order_makes_one_summary_and_one_result() {
    let stack = Stack::start().await;
    stack.discord.set_limits(Some(Limits::discord()));
    let _worker = stack.worker().spawn();
    let repo = 931;
    opened(&stack, repo, 31, SHA).await;
    let mut events = Vec::new();
    let mut finals = Vec::new();
    for i in 0..12u64 {
        let suite = if i < 6 { 501 } else { 502 };
        let name = format!("test ({i:02})");
        let conclusion = if i == 7 { "failure" } else { "success" };
        finals.push(check_run(
            repo,
            SHA,
            7000 + i,
            &name,
            suite,
            Some(conclusion),
            30,
        ));
        events.push(check_run(repo, SHA, 7000 + i, &name, suite, None, 10));
    }
    events.push(check_suite(repo, SHA, 501, "success", 40));
    events.push(workflow_run(repo, SHA, 88, 502, "failure", 41));
    // Out of order: finals first (reversed), then the stale "in progress"
    // states, then every final again (duplicate deliveries).
    let mut all: Vec<Ci> = Vec::new();
    for e in finals.iter().rev() {
        all.push(Ci {
            name: e.name,
            body: e.body.clone(),
        });
    }
    all.extend(events);
    for e in &finals {
        all.push(Ci {
            name: e.name,
            body: e.body.clone(),
        });
    }
    deliver_ci(&stack, &all, 0).await;

    let texts = texts(&stack);
    let summaries: Vec<&String> = texts
        .iter()
        .filter(|t| t.starts_with("**CI** on `1111111`"))
        .collect();
    assert_eq!(summaries.len(), 1, "{texts:#?}");
    let summary = summaries[0];
    assert_eq!(summary.matches("✅").count(), 11, "{summary}");
    assert!(
        summary
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("❌ [test (07)]"),
        "{summary}"
    );
    assert!(!summary.contains("⏳"), "{summary}");
    let failed: Vec<&String> = texts
        .iter()
        .filter(|t| t.starts_with("❌ CI failed on `1111111`"))
        .collect();
    assert_eq!(failed.len(), 1, "{texts:#?}");
    assert!(failed[0].contains("test (07)"), "{}", failed[0]);
    assert_eq!(stack.discord.rate_limited().total(), 0);
    assert!(edits(&stack) <= 4, "{} edits", edits(&stack));
    assert_no_dead(&stack).await;
}
