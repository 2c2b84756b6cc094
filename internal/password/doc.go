// Package password hashes and verifies user passwords with argon2id and
// stores them as PHC strings ($argon2id$v=19$m=…,t=…,p=…$salt$hash).
//
// The cost is deliberate: Verify takes tens of milliseconds. A semaphore
// bounds how many hashes run at once so a burst of sign-ins cannot starve
// the rest of the server of CPU (security catalogue LD-04).
package password
