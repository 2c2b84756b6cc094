// Command sesame is the Sesame identity server and its admin CLI.
package main
