//! What the fake remembers of writes: the items of each collection of the spec
//! (`components.x-collections`, [`crate::COLLECTIONS`]) as JSON, newest first,
//! and the answers given to creates by idempotency token. Seeded at start (the image servers from
//! the generated data), reset through the control API, read and changed by the operations of a
//! collection (`remembered.rs`, and the documented semantics of ListImageServers and
//! ShowImageServer). Statuses move on the status clock ([`super::statuses`]), not here.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::Value;

use crate::generated::operations::COLLECTIONS;
use crate::services::spec_table::CollectionSpec;

/// The remembered items of every collection.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    /// Read in parallel: a listing serializes its page from the stored items while it reads
    /// them, a third of a millisecond for 100 servers. With one lock for all, 16 pages answered
    /// at once queued for it: they took 21.8 to 22.9 ms at a latency of 20 ms, and 21.4 to
    /// 22.1 ms read in parallel (`benches/flow.rs`, 3 runs each).
    inner: RwLock<Inner>,
    /// What a reset goes back to.
    seeds: Mutex<HashMap<String, Vec<Value>>>,
    /// Held by a write with an idempotency token from its lookup of the token to its remembering
    /// the answer, so that two writes with one token apply once.
    tokened: Mutex<()>,
}

#[derive(Debug, Default)]
struct Inner {
    items: HashMap<String, Vec<Value>>,
    /// (collection, token) → the body and the answer of the create.
    tokens: HashMap<(String, String), (Value, Value)>,
}

/// The collection called `name`.
pub fn collection(name: &str) -> Option<&'static CollectionSpec> {
    COLLECTIONS.iter().find(|c| c.name == name)
}

/// The id of `item` in `collection`, as text.
pub(crate) fn id_of(collection: &CollectionSpec, item: &Value) -> Option<String> {
    match item.get(collection.id)? {
        Value::String(id) => Some(id.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The collection an added item belongs to, when `name` is one and `item` is a JSON object
/// with its id; else why not (said to whoever added it: the control API, the command line, the
/// configuration).
pub fn check_seed_item(name: &str, item: &Value) -> Result<&'static CollectionSpec, String> {
    let spec = collection(name).ok_or_else(|| {
        let known: Vec<_> = COLLECTIONS.iter().map(|c| c.name).collect();
        format!("no collection {name:?} (there are: {})", known.join(", "))
    })?;
    if !item.is_object() {
        return Err(format!("an item of {name} must be a JSON object"));
    }
    if item
        .get(spec.id)
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(format!(
            "an item of {name} needs its id field `{}`, a non-empty string",
            spec.id
        ));
    }
    Ok(spec)
}

impl Memory {
    /// A memory seeded with the generated data: its image servers are the items of the
    /// `image_servers` collection (ListImageServers and ShowImageServer read them here, and the
    /// writes of the collection change them).
    pub(crate) fn seeded(data: &crate::services::data::FakeData) -> Self {
        let memory = Memory::default();
        let servers = data
            .image_servers
            .iter()
            .filter_map(|server| serde_json::to_value(server).ok())
            .collect();
        memory.seed("image_servers", servers);
        memory
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Seeds `collection` with `items` (also what a reset goes back to).
    pub(crate) fn seed(&self, collection: &str, items: Vec<Value>) {
        self.seeds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(collection.to_owned(), items.clone());
        self.write().items.insert(collection.to_owned(), items);
    }

    /// Adds `item` to `collection` as a seed, first (the newest), as a write would; a reset keeps
    /// it there. Refused when the collection holds an item with its id already.
    pub(crate) fn add_seed(&self, spec: &CollectionSpec, item: Value) -> Result<(), String> {
        if let Some(id) = id_of(spec, &item)
            && self.get(spec, &id).is_some()
        {
            return Err(format!(
                "{} already holds an item with id {id:?}",
                spec.name
            ));
        }
        let collection = spec.name;
        self.seeds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(collection.to_owned())
            .or_default()
            .insert(0, item.clone());
        self.insert(collection, item);
        Ok(())
    }

    /// Back to the seeds: every write forgotten.
    pub(crate) fn reset(&self) {
        let seeds = self
            .seeds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut inner = self.write();
        inner.items = seeds;
        inner.tokens.clear();
    }

    /// Every item of `collection`, newest first (the seeds in their order, after the items writes
    /// added).
    pub(crate) fn items(&self, collection: &str) -> Vec<Value> {
        self.read()
            .items
            .get(collection)
            .cloned()
            .unwrap_or_default()
    }

    /// `f` of the items of `collection` as they are stored, without copying them.
    pub(crate) fn with_items<R>(&self, collection: &str, f: impl FnOnce(&[Value]) -> R) -> R {
        let inner = self.read();
        f(inner.items.get(collection).map_or(&[], Vec::as_slice))
    }

    /// The item of `collection` whose id is `id`.
    pub(crate) fn get(&self, spec: &CollectionSpec, id: &str) -> Option<Value> {
        self.read()
            .items
            .get(spec.name)?
            .iter()
            .find(|item| id_of(spec, item).as_deref() == Some(id))
            .cloned()
    }

    /// Adds `item` to `collection`, first (the newest).
    pub(crate) fn insert(&self, collection: &str, item: Value) {
        self.write()
            .items
            .entry(collection.to_owned())
            .or_default()
            .insert(0, item);
    }

    /// Held while a write with an idempotency token looks it up, applies and remembers it.
    pub(crate) fn tokened_write(&self) -> MutexGuard<'_, ()> {
        self.tokened.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the top-level fields of `patch` on the item whose id is `id` (never its id); the item
    /// as it is now.
    pub(crate) fn update(&self, spec: &CollectionSpec, id: &str, patch: &Value) -> Option<Value> {
        let mut inner = self.write();
        let item = inner
            .items
            .get_mut(spec.name)?
            .iter_mut()
            .find(|item| id_of(spec, item).as_deref() == Some(id))?;
        if let (Some(item), Some(patch)) = (item.as_object_mut(), patch.as_object()) {
            for (field, value) in patch {
                if field != spec.id && !value.is_null() {
                    item.insert(field.clone(), value.clone());
                }
            }
        }
        Some(item.clone())
    }

    /// Removes the item whose id is `id`; whether there was one.
    pub(crate) fn remove(&self, spec: &CollectionSpec, id: &str) -> bool {
        let mut inner = self.write();
        let Some(items) = inner.items.get_mut(spec.name) else {
            return false;
        };
        let before = items.len();
        items.retain(|item| id_of(spec, item).as_deref() != Some(id));
        items.len() < before
    }

    /// The body and the answer of the create with `token`, if there was one.
    pub(crate) fn answered(&self, collection: &str, token: &str) -> Option<(Value, Value)> {
        self.read()
            .tokens
            .get(&(collection.to_owned(), token.to_owned()))
            .cloned()
    }

    /// Remembers the body and the answer of a create with `token`.
    pub(crate) fn remember(&self, collection: &str, token: &str, body: Value, answer: Value) {
        self.write()
            .tokens
            .insert((collection.to_owned(), token.to_owned()), (body, answer));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const THINGS: CollectionSpec = CollectionSpec {
        name: "things",
        id: "id",
        status: None,
        states: &[],
        deleting: None,
        template: "{}",
    };

    #[test]
    fn items_are_added_changed_removed_and_reset_to_the_seeds() {
        let memory = Memory::default();
        memory.seed("things", vec![json!({"id": "a", "name": "first"})]);
        memory.insert("things", json!({"id": "b", "name": "second"}));
        let changed = memory
            .update(
                &THINGS,
                "b",
                &json!({"name": "renamed", "id": "x", "note": null}),
            )
            .unwrap();
        assert_eq!(changed, json!({"id": "b", "name": "renamed"}));
        assert!(memory.update(&THINGS, "zz", &json!({})).is_none());
        assert_eq!(memory.items("things")[0]["id"], "b", "the newest first");
        assert_eq!(memory.with_items("things", <[Value]>::len), 2);
        assert!(memory.remove(&THINGS, "a"));
        assert!(!memory.remove(&THINGS, "a"));
        assert_eq!(memory.items("things").len(), 1);
        assert_eq!(memory.items("things")[0]["id"], "b", "only `a` was removed");
        memory.remember(
            "things",
            "t-1",
            json!({"name": "n"}),
            json!({"job_id": "j"}),
        );
        assert_eq!(
            memory.answered("things", "t-1"),
            Some((json!({"name": "n"}), json!({"job_id": "j"})))
        );
        memory.reset();
        assert_eq!(
            memory.items("things"),
            [json!({"id": "a", "name": "first"})]
        );
        assert_eq!(memory.answered("things", "t-1"), None);
        assert_eq!(memory.get(&THINGS, "a").unwrap()["name"], "first");
    }
}
