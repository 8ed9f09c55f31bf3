package awsconfig

import (
	"fmt"
	"strings"
)

// The shared credentials file (~/.aws/credentials). Some clients read
// only it: minio-go (behind restic) and several older tools. Its sections
// are "[NAME]"; botocore, the AWS CLI and the Go SDK merge them into the
// profiles of the config file, so a credential_process written there
// works for them too. minio-go splits the credential_process value on
// white space and runs the words without a shell or quote removal, so
// only a line without quotes works there (see QuotedForMinio).

// CredentialsPath returns the shared credentials file:
// $AWS_SHARED_CREDENTIALS_FILE (a leading "~" expanded) or
// ~/.aws/credentials.
func CredentialsPath(getenv func(string) string) (string, error) {
	return sharedPath(getenv, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

// isStaticKey reports the settings that make a credentials-file profile a
// static one: every reader takes them before credential_process.
func isStaticKey(k string) bool {
	return k == "aws_access_key_id" || k == "aws_secret_access_key" || k == "aws_session_token"
}

// SetCredentialsProfile writes settings into "[NAME]" of the credentials
// file at path with SetProfile's in-place, comment-keeping edit. A section
// holding static keys is refused: the readers would keep using them and
// ignore the credential_process.
func SetCredentialsProfile(path, name string, settings []KV) (created bool, err error) {
	l := credentialsLayout(name)
	return setInFile(path, name, l, settings, func(data string) error {
		if k := sectionStaticKey(data, l); k != "" {
			return fmt.Errorf("[%s] in %s holds %s, which every reader uses before credential_process: "+
				"remove the static keys or choose another profile name", name, path, k)
		}
		return nil
	})
}

// sectionStaticKey returns the first static key set in the section l
// names, "" when none.
func sectionStaticKey(data string, l layout) string {
	lines := splitLines(data)
	kinds := classify(lines)
	s, ok := findSection(lines, kinds, l.wants)
	if !ok {
		return ""
	}
	for i := s.header + 1; i < s.end; i++ {
		if k := optionKey(lines[i].text); kinds[i] == kindOption && isStaticKey(k) {
			return k
		}
	}
	return ""
}

// QuotedForMinio reports whether a credential_process line has quoted
// words, which minio-go runs wrongly: it splits on white space and keeps
// quotes as they are. CredentialProcessLine quotes only words that need
// it (on POSIX, those with anything but [A-Za-z0-9_@%+:,./-]; on Windows,
// those with spaces, tabs or quotes), so a usual install path is unquoted.
func QuotedForMinio(line string) bool {
	return strings.ContainsAny(line, `'"`)
}
