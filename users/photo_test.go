package users

import "testing"

// A provider's picture URL is stored only when a client can safely show
// it as an image: an absolute http(s) URL of bounded length.
func TestPhotoURL(t *testing.T) {
	long := "https://cdn.example.com/" + string(make([]byte, MaxPhotoURL))
	for raw, want := range map[string]string{
		"https://lh3.googleusercontent.com/a/ACg8=s96-c": "https://lh3.googleusercontent.com/a/ACg8=s96-c",
		"http://intranet.example/avatars/7.png":          "http://intranet.example/avatars/7.png",
		"":                                               "",
		"javascript:alert(1)":                            "",
		"data:image/png;base64,iVBORw0KGgo=":             "",
		"/avatars/7.png":                                 "",
		"https://user:pass@cdn.example.com/a.png":        "",
		"https://cdn.example.com/a b.png":                "",
		"https://cdn.example.com/a.png\n<script>":        "",
		long: "",
	} {
		if got := PhotoURL(raw); got != want {
			t.Errorf("PhotoURL(%.60q) = %q, want %q", raw, got, want)
		}
	}
}
