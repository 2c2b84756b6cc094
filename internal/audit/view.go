package audit

import "encoding/json"

// View is an entry as Logto's Management API shows a log
// (GET /api/logs): {id, key, payload, createdAt in epoch milliseconds}.
// Logto's payload carries key, result, error, ip, userAgent, userId,
// applicationId and sessionId; Sesame adds actor, target, before and after
// for administrators' changes. Empty fields are left out.
type View struct {
	ID        string  `json:"id"`
	Key       string  `json:"key"`
	Payload   Payload `json:"payload"`
	CreatedAt int64   `json:"createdAt"`
}

// Payload is View's payload.
type Payload struct {
	Key           string          `json:"key"`
	Result        string          `json:"result"`
	Error         string          `json:"error,omitempty"`
	IP            string          `json:"ip,omitempty"`
	UserAgent     string          `json:"userAgent,omitempty"`
	UserID        string          `json:"userId,omitempty"`
	ApplicationID string          `json:"applicationId,omitempty"`
	SessionID     string          `json:"sessionId,omitempty"`
	Actor         string          `json:"actor,omitempty"`
	Target        string          `json:"target,omitempty"`
	Before        json.RawMessage `json:"before,omitempty"`
	After         json.RawMessage `json:"after,omitempty"`
}

// ViewOf is e as the API and the console show it.
func ViewOf(e Entry) View {
	return View{ID: e.ID, Key: e.Key, CreatedAt: e.CreatedAt.UnixMilli(), Payload: Payload{Key: e.Key, Result: e.Result,
		Error: e.Error, IP: e.IP, UserAgent: e.UserAgent, UserID: e.UserID, ApplicationID: e.ApplicationID,
		SessionID: e.SessionID, Actor: e.Actor, Target: e.Target, Before: valid(e.Before), After: valid(e.After)}}
}

// valid keeps a stored document only if it is JSON, so that one damaged
// row cannot make a whole page fail to encode.
func valid(d json.RawMessage) json.RawMessage {
	if d == nil || !json.Valid(d) {
		return nil
	}
	return d
}

// Views is ViewOf of each entry, never nil (an empty page is []).
func Views(es []Entry) []View {
	out := make([]View, len(es))
	for i, e := range es {
		out[i] = ViewOf(e)
	}
	return out
}
