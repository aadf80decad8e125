//! A small structure-aware mutator: byte and token edits, splices of two
//! seeds, runs of open brackets, and extreme values, from a seeded RNG so a
//! failing case can be replayed from its seed.

use rand::Rng;
use rand::seq::IndexedRandom;

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "...",
    " on QueryRoot ",
    "fragment F on QueryRoot { __typename } ",
    "...F ",
    "query ",
    "mutation ",
    "subscription ",
    "$v",
    "($v: Int)",
    ": ",
    ", ",
    "@include(if: true)",
    "@skip(if: $v)",
    "@deprecated",
    "\"",
    "\\u0000",
    "\\uD800",
    "\\",
    "\"\"\"",
    "1e308",
    "-1",
    "9999999999999999999999",
    "2147483648",
    "-0.0",
    "NaN",
    "null",
    "true",
    "__schema { types { name fields { name } } }",
    "__type(name: \"QueryRoot\") { name }",
    "__typename",
    "#",
    "\n",
    "\r",
    "\u{FEFF}",
    "é",
    "\u{10FFFF}",
    "first: 100",
    "first: 0",
    "first: -5",
    "first: 101",
    "after: \"bm9wZQ==\"",
    "a: ",
    "b: ",
    "id: \"999999999\"",
    "id: \"-1\"",
    "id: \"1 OR 1=1\"",
    "search: \"%_%\"",
    "org: \"other\"",
    "from: \"1970-01-01T00:00:00Z\"",
    "to: \"9999-12-31T23:59:59Z\"",
    "amount: 1e300",
];

/// A mutated copy of `input`; `other` is a second seed to splice from.
pub fn mutate(rng: &mut impl Rng, input: &str, other: &str) -> Vec<u8> {
    let mut bytes = input.as_bytes().to_vec();
    let edits = rng.random_range(1..=4);
    for _ in 0..edits {
        let at = rng.random_range(0..=bytes.len());
        match rng.random_range(0..9) {
            0 => {
                let token = TOKENS.choose(rng).copied().unwrap_or("{");
                bytes.splice(at..at, token.bytes());
            }
            1 if !bytes.is_empty() => {
                let end = (at + rng.random_range(1..32)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            2 if !bytes.is_empty() => {
                let i = rng.random_range(0..bytes.len());
                bytes[i] ^= 1 << rng.random_range(0..8);
            }
            3 => {
                let o = other.as_bytes();
                let from = rng.random_range(0..=o.len());
                let to = rng.random_range(from..=o.len());
                bytes.splice(at..at, o[from..to].iter().copied());
            }
            4 => {
                let depth = *[8usize, 60, 65, 200, 300, 3_000].choose(rng).unwrap_or(&8);
                let open = *[b'[', b'{', b'('].choose(rng).unwrap_or(&b'[');
                let run: Vec<u8> = std::iter::repeat_n(open, depth).collect();
                bytes.splice(at..at, run);
            }
            5 if !bytes.is_empty() => {
                let end = (at + rng.random_range(1..64)).min(bytes.len());
                let copy = bytes[at.min(end)..end].to_vec();
                let times = rng.random_range(1..20);
                for _ in 0..times {
                    bytes.splice(end..end, copy.iter().copied());
                }
            }
            6 => {
                let mut noise = vec![0u8; rng.random_range(1..8)];
                rng.fill_bytes(&mut noise);
                bytes.splice(at..at, noise);
            }
            7 if !bytes.is_empty() => {
                bytes.truncate(at);
            }
            _ => {
                let token = TOKENS.choose(rng).copied().unwrap_or("}");
                bytes.extend_from_slice(token.as_bytes());
            }
        }
    }
    bytes
}
