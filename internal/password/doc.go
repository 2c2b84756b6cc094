// Package password hashes and verifies user passwords with argon2id and
// stores them as PHC strings ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
//
// Passwords are NFKC-normalised before hashing and verifying, so the same
// password typed as composed or decomposed Unicode (NFC vs NFD) matches
// (NIST SP 800-63B §5.1.1.2). Length is capped before any work.
//
// The cost is deliberate: Verify takes tens of milliseconds. A semaphore
// bounds how many hashes run at once so a burst of sign-ins cannot starve
// the rest of the server of CPU (security catalogue LD-04).
package password
