// Package lru is a bounded, concurrency-safe map for the caches on the
// request path (verified JWTs, deny-list answers). It approximates
// least-recently-used eviction with two generations: entries go into the
// young map; when it is full it becomes the old map and the previous old
// map is dropped; a hit in the old map moves the entry back to the young
// one. Memory is bounded by twice the size, every operation is O(1), and
// nothing runs in the background.
package lru
