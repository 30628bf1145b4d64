use std::cell::RefCell;
use std::collections::HashMap;

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
    cache: RefCell<HashMap<String, js_sys::RegExp>>,
}

impl PatternMatcher for JsRegExpMatcher {
    fn is_match(&self, pattern: &str, text: &str) -> Result<bool, String> {
        let mut cache = self.cache.borrow_mut();
        if !cache.contains_key(pattern) {
            let re = make_regexp(pattern, "u").map_err(|e| {
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| "invalid regular expression".into())
            })?;
            cache.insert(pattern.to_string(), re);
        }
        Ok(cache.get(pattern).is_some_and(|re| re.test(text)))
    }
}
