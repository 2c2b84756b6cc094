package management

import (
	"context"
	"encoding/json"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// LogEntry is one event of the log (Sesame's audit log).
type LogEntry struct {
	ID        string     `json:"id"`
	Key       string     `json:"key"` // "Interaction.SignIn.Submit", "ExchangeTokenBy.ClientCredentials", "Admin.User.Create", …
	Payload   LogPayload `json:"payload"`
	CreatedAt time.Time  `json:"createdAt"`
}

func (l *LogEntry) UnmarshalJSON(b []byte) error {
	type plain LogEntry
	return json.Unmarshal(b, &struct {
		*plain
		CreatedAt epochMS `json:"createdAt"`
	}{(*plain)(l), epochMS{&l.CreatedAt}})
}

func (l LogEntry) MarshalJSON() ([]byte, error) {
	type plain LogEntry
	return json.Marshal(struct {
		plain
		CreatedAt epochMS `json:"createdAt"`
	}{plain(l), epochMS{&l.CreatedAt}})
}

// LogPayload is an entry's details. Logto's payloads carry more fields;
// Raw holds the payload as received.
type LogPayload struct {
	Key           string   `json:"key"`
	Result        string   `json:"result"` // "Success" or "Error"
	Error         LogError `json:"error,omitempty"`
	IP            string   `json:"ip,omitempty"`
	UserAgent     string   `json:"userAgent,omitempty"`
	UserID        string   `json:"userId,omitempty"`
	ApplicationID string   `json:"applicationId,omitempty"`
	SessionID     string   `json:"sessionId,omitempty"`
	// Sesame's, for administrators' changes: who ("app:<id>", "user:<id>"),
	// what ("user:<id>"), and the object before and after.
	Actor  string          `json:"actor,omitempty"`
	Target string          `json:"target,omitempty"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`

	Raw json.RawMessage `json:"-"`
}

func (p *LogPayload) UnmarshalJSON(b []byte) error {
	type plain LogPayload
	if err := json.Unmarshal(b, (*plain)(p)); err != nil {
		return err
	}
	p.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// LogError is why an event failed: Sesame's reason ("wrong_password") or
// OAuth error code; Logto's error object as compact JSON.
type LogError string

func (e *LogError) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*e = LogError(s)
		return nil
	}
	if string(b) == "null" {
		*e = ""
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c, err := json.Marshal(v)
	*e = LogError(c)
	return err
}

// LogListOptions filters the log; zero fields filter nothing.
type LogListOptions struct {
	ListOptions
	UserID        string
	ApplicationID string
	LogKey        string    // an entry key, such as "Interaction.SignIn.Submit"
	Start, End    time.Time // created at or after Start, before End
}

func (o LogListOptions) values() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"userId": o.UserID, "applicationId": o.ApplicationID, "logKey": o.LogKey} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if !o.Start.IsZero() {
		q.Set("start_time", strconv.FormatInt(o.Start.UnixMilli(), 10))
	}
	if !o.End.IsZero() {
		q.Set("end_time", strconv.FormatInt(o.End.UnixMilli(), 10))
	}
	return q
}

// LogsService is /api/logs.
type LogsService struct{ c *Client }

// List iterates over the entries matching o, newest first.
func (s *LogsService) List(ctx context.Context, o LogListOptions) iter.Seq2[LogEntry, error] {
	return pages[LogEntry](ctx, s.c, "/logs", o.values(), o.ListOptions)
}

// ListPage returns one page of the entries matching o, and how many match.
func (s *LogsService) ListPage(ctx context.Context, o LogListOptions) ([]LogEntry, int, error) {
	return onePage[LogEntry](ctx, s.c, "/logs", o.values(), o.ListOptions)
}

// Get returns the entry id.
func (s *LogsService) Get(ctx context.Context, id string) (*LogEntry, error) {
	return get[LogEntry](ctx, s.c, "/logs/%s", id)
}
