//! End-to-end tests of the `huaweicloud-images` facade against the offline fake live in this
//! package's `tests/` directory; this library is empty.
