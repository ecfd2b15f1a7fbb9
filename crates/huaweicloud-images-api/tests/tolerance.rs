//! The generated models read what the real services send, as the official SDKs do: unknown fields
//! ignored, every field optional, unknown enum values kept, `NULL` and `null` both "not set".

use huaweicloud_images_api::workspace::types::{
    Architecture, ImageInfo, ListImagesResponse, SortField,
};
use huaweicloud_images_api::workspaceapp::types::{
    AccountType, ImageServer, ImageServerStatus, ImageSourceType,
};
use serde_json::json;

#[test]
fn unknown_enum_values_are_kept_and_serialized_back_unchanged() {
    let server: ImageServer = serde_json::from_value(json!({
        "status": "MIGRATING",
        "image_ref": {"image_type": "marketplace"},
        "authorize_accounts": [{"account_type": "ROBOT"}]
    }))
    .unwrap();
    assert_eq!(
        server.status,
        Some(ImageServerStatus::Unknown("MIGRATING".into()))
    );
    assert!(!server.status.as_ref().unwrap().is_known());
    assert_eq!(
        server.image_ref.as_ref().unwrap().image_type,
        Some(ImageSourceType::Unknown("marketplace".into()))
    );
    assert_eq!(
        server.authorize_accounts.as_ref().unwrap()[0].account_type,
        Some(AccountType::Unknown("ROBOT".into()))
    );
    let back = serde_json::to_value(&server).unwrap();
    assert_eq!(back["status"], "MIGRATING");
    assert_eq!(back["image_ref"]["image_type"], "marketplace");
    assert_eq!(back["authorize_accounts"][0]["account_type"], "ROBOT");
}

#[test]
fn known_values_stay_typed_and_round_trip() {
    for status in ImageServerStatus::KNOWN {
        let wire = serde_json::to_value(status).unwrap();
        let back: ImageServerStatus = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(&back, status, "{wire}");
        assert!(back.is_known());
    }
    let s: ImageServerStatus = serde_json::from_value(json!("ACTIVE")).unwrap();
    assert_eq!(s, ImageServerStatus::Active);
    assert_eq!(SortField::CreatedAt.as_str(), "created_at");
    assert_eq!(Architecture::X86.to_string(), "x86");
    assert_eq!(
        "USER_GROUP".parse::<AccountType>().unwrap(),
        AccountType::UserGroup
    );
}

#[test]
fn documented_null_and_official_sdk_null_both_mean_not_set() {
    let upper: ImageServerStatus = serde_json::from_value(json!("NULL")).unwrap();
    let lower: ImageServerStatus = serde_json::from_value(json!("null")).unwrap();
    assert_eq!(upper, ImageServerStatus::Null);
    assert_eq!(lower, ImageServerStatus::Null);
    // A JSON null (not the string) is an absent value.
    let server: ImageServer = serde_json::from_value(json!({"status": null})).unwrap();
    assert_eq!(server.status, None);
}

#[test]
fn unknown_fields_are_ignored_and_every_field_is_optional() {
    let empty: ImageServer = serde_json::from_value(json!({})).unwrap();
    assert_eq!(empty.id, None);
    assert_eq!(empty.authorize_accounts, None);
    let image: ImageInfo = serde_json::from_value(json!({
        "id": "x", "brand_new_field": {"nested": [1, 2]}, "min_disk": 2048
    }))
    .unwrap();
    assert_eq!(image.id.as_deref(), Some("x"));
    // Out of the documented 40..=1024 range, still read as sent.
    assert_eq!(image.min_disk, Some(2048));
    let list: ListImagesResponse = serde_json::from_value(json!({"images": [{}, {}]})).unwrap();
    assert_eq!(list.images.map(|i| i.len()), Some(2));
    assert_eq!(list.total_count, None);
}

#[test]
fn wrong_types_are_still_errors_except_in_a_list_total() {
    // Tolerance is not silence: a field of the wrong type is reported, not guessed.
    assert!(serde_json::from_value::<ListImagesResponse>(json!({"images": "many"})).is_err());
    assert!(serde_json::from_value::<ImageInfo>(json!({"min_disk": "big"})).is_err());
    // The one exception: a list's total (`x-pagination.total`) that is not an int32 reads as no
    // total, so the page's items still arrive (and the paginator distrusts the total).
    for odd in [
        json!("many"),
        json!(25.0),
        json!(2_147_483_648_u64),
        json!({}),
    ] {
        let list: ListImagesResponse =
            serde_json::from_value(json!({"total_count": odd, "images": [{}]})).unwrap();
        assert_eq!(
            (list.total_count, list.images.map(|i| i.len())),
            (None, Some(1))
        );
    }
}

#[test]
fn null_lists_read_as_absent() {
    let server: ImageServer = serde_json::from_value(json!({"authorize_accounts": null})).unwrap();
    assert_eq!(server.authorize_accounts, None);
    let list: ListImagesResponse =
        serde_json::from_value(json!({"images": null, "total_count": 0})).unwrap();
    assert_eq!(list.images, None);
}

#[test]
fn equality_and_hashing_follow_the_wire_value() {
    use std::collections::HashSet;

    let spelled_out = ImageServerStatus::Unknown("ACTIVE".into());
    assert_eq!(spelled_out, ImageServerStatus::Active);
    let set: HashSet<ImageServerStatus> = [spelled_out, ImageServerStatus::Active].into();
    assert_eq!(set.len(), 1);
    assert!(ImageServerStatus::Unknown("MIGRATING".into()) != ImageServerStatus::Active);
    assert!(
        SortField::CreatedAt < SortField::Name,
        "ordered by wire value"
    );
}
