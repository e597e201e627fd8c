//! Arguments of one verb: positionals, `--flag value` options and bare
//! `--switch`es, with a usage error for anything not expected.

use super::Failure;

#[derive(Debug, Default)]
pub struct Args {
    pub positional: Vec<String>,
    options: Vec<(String, Option<String>)>,
}

impl Args {
    /// Splits `argv`; `valued` lists the options that take a value.
    pub fn parse(argv: &[String], valued: &[&str], switches: &[&str]) -> Result<Args, Failure> {
        let mut args = Args::default();
        let mut it = argv.iter();
        while let Some(arg) = it.next() {
            let Some(name) = arg.strip_prefix("--") else {
                args.positional.push(arg.clone());
                continue;
            };
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            if valued.contains(&name) {
                let value = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .cloned()
                        .ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?,
                };
                args.options.push((name.to_string(), Some(value)));
            } else if switches.contains(&name) && inline.is_none() {
                args.options.push((name.to_string(), None));
            } else {
                return Err(Failure::Usage(format!("unknown option --{name}")));
            }
        }
        Ok(args)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }

    pub fn switch(&self, name: &str) -> bool {
        self.options.iter().any(|(n, v)| n == name && v.is_none())
    }

    /// A numeric option, `default` when absent.
    pub fn number(&self, name: &str, default: usize) -> Result<usize, Failure> {
        match self.value(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| Failure::Usage(format!("--{name} must be a number, got {v:?}"))),
        }
    }
}

pub use crate::duration::parse as duration;

#[cfg(test)]
mod tests {
    use crate::duration::parse as duration;
    use std::time::Duration;

    #[test]
    fn durations_combine_units() {
        assert_eq!(duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(duration("2d"), Some(Duration::from_secs(172_800)));
        assert_eq!(duration("10"), None, "a unit is required");
        assert_eq!(duration("1x"), None);
        assert_eq!(duration(""), None);
    }
}
