// Package identity holds the rules for who a user is: the canonical form
// usernames and emails are stored, looked up and throttled under, what a
// valid username, email address and new password are, and the hashing of a
// new password. Every front end (the hosted pages, the CLI, later the
// Management API and the console) applies these same rules.
//
// A rule that fails returns an *Error: a stable Code for programs (a JSON
// API answers {code, message}) and a Message, a full sentence meant for the
// person filling in a form, shown as it is. Callers compare with errors.Is
// against the exported values (ErrUsernameLength, …) or read the code with
// errors.As.
package identity
