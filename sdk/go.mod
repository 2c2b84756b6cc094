module github.com/sesameauth/sesame/sdk

go 1.26
