// Package config holds Sesame's settings: one flat struct filled from
// command-line flags whose defaults come from SESAME_* environment
// variables, validated apart from parsing.
package config
