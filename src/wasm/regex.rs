use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::stream::PatternMatcher;

#[wasm_bindgen]
extern "C" {
    /// `RegExp(pattern, flags)`, catching the SyntaxError of an invalid pattern.
    #[wasm_bindgen(catch, js_name = RegExp)]
    fn make_regexp(pattern: &str, flags: &str) -> Result<js_sys::RegExp, JsValue>;
}

/// JSON Schema `pattern`s with the page's own ECMA-262 engine (`RegExp` with the `u` flag, as
/// Ajv compiles them), so no regex engine ships in the wasm. Compiled patterns are cached.
#[derive(Default)]
pub struct JsRegExpMatcher {
    /// Searched, not hashed: a schema has a few patterns, and a hash map would link its own
    /// table code (~2 K of wasm).
    cache: RefCell<Vec<(String, js_sys::RegExp)>>,
}

impl PatternMatcher for JsRegExpMatcher {
    fn is_match(&self, pattern: &str, text: &str) -> Result<bool, String> {
        let mut cache = self.cache.borrow_mut();
        if let Some((_, re)) = cache.iter().find(|(p, _)| p == pattern) {
            return Ok(re.test(text));
        }
        let re = make_regexp(pattern, "u").map_err(|e| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| "invalid regular expression".into())
        })?;
        let matched = re.test(text);
        cache.push((pattern.to_string(), re));
        Ok(matched)
    }
}
