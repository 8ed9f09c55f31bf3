package brokeremu

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

// s3Object is one object stored with PutObject.
type s3Object struct {
	body     []byte
	etag     string
	modified time.Time
}

// PutObject stores body as s3://bucket/key (replacing any previous object);
// the bucket exists from its first object on. Sessions read it with
// path-style GetObject/HeadObject when their role's S3Resources allow it.
func (a *AWS) PutObject(bucket, key string, body []byte) {
	sum := md5.Sum(body) // S3's ETag of a single-part object
	obj := s3Object{
		body:     append([]byte(nil), body...),
		etag:     `"` + hex.EncodeToString(sum[:]) + `"`,
		modified: a.now().UTC().Truncate(time.Second),
	}
	a.objMu.Lock()
	defer a.objMu.Unlock()
	if a.objects == nil {
		a.objects = map[string]s3Object{}
	}
	a.objects[bucket+"/"+key] = obj
}

// s3Lookup returns the object at bucket/key and whether the bucket exists.
func (a *AWS) s3Lookup(bucket, key string) (obj s3Object, found, bucketExists bool) {
	a.objMu.Lock()
	defer a.objMu.Unlock()
	obj, found = a.objects[bucket+"/"+key]
	if found {
		return obj, true, true
	}
	for k := range a.objects {
		if strings.HasPrefix(k, bucket+"/") {
			return s3Object{}, false, true
		}
	}
	return s3Object{}, false, false
}

// serveS3Object handles path-style S3 GetObject and HeadObject
// (GET|HEAD /<bucket>/<key>, SigV4 name s3). Order of checks as S3: bucket
// existence, SigV4, x-amz-content-sha256, IAM (s3Allowed), key existence.
// Paths without a key are not S3 object requests and get a plain 404.
func (a *AWS) serveS3Object(w http.ResponseWriter, r *http.Request) {
	bucket, key, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || bucket == "" || key == "" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	op := "GetObject"
	if r.Method == http.MethodHead {
		op = "HeadObject"
	}
	fail := func(status int, code, message string, extra s3ErrorExtra) {
		s3WriteError(w, r, status, code, message, extra)
	}
	body, err := awsReadBody(r)
	if err != nil {
		fail(http.StatusRequestEntityTooLarge, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", s3ErrorExtra{})
		return
	}
	caller, authErr := a.verifySigV4(r, body, "s3")
	if f, failed := a.begin(op, "", awsemu.Recorded{Params: r.URL.Query(), Header: r.Header.Clone(), Caller: caller}); failed {
		fail(f.status, f.code, f.message, s3ErrorExtra{})
		return
	}
	obj, found, bucketExists := a.s3Lookup(bucket, key)
	switch {
	case !bucketExists:
		fail(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist", s3ErrorExtra{BucketName: bucket})
	case authErr != nil:
		status, code := awsAuthCode(awsProtoRestXML, authErr.Kind())
		message := authErr.Message()
		if authErr.Kind() == awsAuthMissing { // anonymous: no public access
			message = "Access Denied"
		}
		fail(status, code, message, s3ErrorExtra{})
	case r.Header.Get("X-Amz-Content-Sha256") == "":
		fail(http.StatusBadRequest, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256", s3ErrorExtra{})
	case !a.s3Allowed(caller, bucket, key):
		fail(http.StatusForbidden, "AccessDenied", "Access Denied", s3ErrorExtra{})
	case !found:
		fail(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.", s3ErrorExtra{Key: key})
	default:
		s3WriteObject(w, r, obj)
	}
}

// s3WriteObject writes a GetObject/HeadObject success (HEAD: no body).
func s3WriteObject(w http.ResponseWriter, r *http.Request, obj s3Object) {
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(obj.body)))
	h.Set("ETag", obj.etag)
	h.Set("Last-Modified", obj.modified.Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	s3SetRequestIDs(h)
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(obj.body)
	}
}

// s3ErrorExtra holds the optional fields of an S3 error document.
type s3ErrorExtra struct {
	Key        string `xml:"Key,omitempty"`
	BucketName string `xml:"BucketName,omitempty"`
}

// s3WriteError writes an S3 REST error: <Error><Code/><Message/>…
// <RequestId/><HostId/></Error>; a HEAD response carries the status only.
func s3WriteError(w http.ResponseWriter, r *http.Request, status int, code, message string, extra s3ErrorExtra) {
	reqID, hostID := s3SetRequestIDs(w.Header())
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return
	}
	v := struct {
		XMLName xml.Name `xml:"Error"`
		Code    string   `xml:"Code"`
		Message string   `xml:"Message"`
		s3ErrorExtra
		RequestID string `xml:"RequestId"`
		HostID    string `xml:"HostId"`
	}{Code: code, Message: message, s3ErrorExtra: extra, RequestID: reqID, HostID: hostID}
	b, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(b)
}

// s3SetRequestIDs sets x-amz-request-id and x-amz-id-2 and returns them.
func s3SetRequestIDs(h http.Header) (reqID, hostID string) {
	reqID = strings.ToUpper(awsRandom("0123456789abcdef", 16))
	hostID = awsRandom(awsSecretSet, 76)
	h.Set("X-Amz-Request-Id", reqID)
	h.Set("X-Amz-Id-2", hostID)
	return reqID, hostID
}
