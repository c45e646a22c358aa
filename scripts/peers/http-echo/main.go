// An HTTP echo server on Go's net/http (the parser kube-apiserver and fake-gcs-server run): it answers every
// request with a JSON report of what net/http read from it, for the gateway's differential test
// (scripts/http-diff). It listens on 127.0.0.1, on a free port, and prints "listening HOST:PORT".
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"
)

// visible spells each byte that is no UTF-8 as \xNN: encoding/json would turn it into U+FFFD, the very
// character the gateway's normalizer decodes such bytes to, and the two readings would look alike.
func visible(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, "\\x%02x", s[i])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

type report struct {
	Parser     string              `json:"parser"`
	Method     string              `json:"method"`
	Target     string              `json:"target"`
	Path       string              `json:"path"`
	RawPath    string              `json:"raw_path"`
	RawQuery   string              `json:"raw_query"`
	Query      map[string][]string `json:"query"`
	QueryError string              `json:"query_error,omitempty"`
	Host       string              `json:"host"`
	Headers    map[string][]string `json:"headers"`
	Body       []byte              `json:"body_base64"`
	Form       map[string][]string `json:"form,omitempty"`
	BodyError  string              `json:"body_error,omitempty"`
}

func echo(w http.ResponseWriter, r *http.Request) {
	rep := report{Parser: "go", Method: r.Method, Target: r.RequestURI, Path: visible(r.URL.Path), RawPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Host: r.Host, Headers: map[string][]string{}}
	q, err := url.ParseQuery(r.URL.RawQuery)
	rep.Query = map[string][]string{}
	for k, vs := range q {
		for _, v := range vs {
			rep.Query[visible(k)] = append(rep.Query[visible(k)], visible(v))
		}
	}
	if err != nil {
		rep.QueryError = err.Error()
	}
	for k, v := range r.Header {
		for _, one := range v {
			rep.Headers[strings.ToLower(k)] = append(rep.Headers[strings.ToLower(k)], visible(one))
		}
	}
	body, err := io.ReadAll(r.Body)
	rep.Body = body
	if err != nil {
		rep.BodyError = err.Error()
	}
	// The form as r.ParseForm reads it (its own Content-Type parsing), from the same bytes. Its error is ignored,
	// as r.FormValue ignores it: the pairs it could read are kept, a pair it could not is dropped.
	r.Body = io.NopCloser(bytes.NewReader(body))
	_ = r.ParseForm()
	if len(r.PostForm) > 0 {
		rep.Form = map[string][]string{}
		for k, vs := range r.PostForm {
			for _, v := range vs {
				rep.Form[visible(k)] = append(rep.Form[visible(k)], visible(v))
			}
		}
	}
	w.Header().Set("content-type", "application/json")
	_ = json.NewEncoder(w).Encode(rep)
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %s\n", ln.Addr())
	// No ServeMux: it would redirect paths with dot or empty segments instead of showing how they were read.
	if err := http.Serve(ln, http.HandlerFunc(echo)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
