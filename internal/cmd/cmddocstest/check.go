package cmddocstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// Checker checks the command lines of one program quoted in markdown
// against that program's real command tree.
type Checker struct {
	// Program is the binary's name as the docs write it, e.g. "tip-cli".
	Program string
	// NewRoot builds a fresh root command; Check calls it once a line, as
	// parsing flags leaves state behind in the tree.
	NewRoot func() *cobra.Command
}

// CheckFiles runs CheckMarkdown on each markdown file under dir named in
// names (slash-separated, relative to dir) and returns the lines found in
// all of them and the problems, each prefixed with its file's name.
func (c Checker) CheckFiles(dir string, names ...string) (found int, problems []string, err error) {
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return found, problems, fmt.Errorf("read %s: %w", name, err)
		}
		n, ps := c.CheckMarkdown(string(data))
		found += n
		for _, p := range ps {
			problems = append(problems, name+": "+p)
		}
	}
	return found, problems, nil
}

// CheckMarkdown checks every command line of md: the command path must
// exist and every flag must parse; lines in code blocks must also have
// valid arguments, while inline mentions may omit them. It returns how many
// lines it found and a message for each one that does not check.
func (c Checker) CheckMarkdown(md string) (found int, problems []string) {
	blocks, inline := c.CommandLines(md)
	for _, words := range blocks {
		if err := c.Check(words, true); err != nil {
			problems = append(problems, fmt.Sprintf("%s %s: %v", c.Program, strings.Join(words, " "), err))
		}
	}
	for _, words := range inline {
		if err := c.Check(words, false); err != nil {
			problems = append(problems, fmt.Sprintf("`%s %s`: %v", c.Program, strings.Join(words, " "), err))
		}
	}
	return len(blocks) + len(inline), problems
}

// Check resolves words (a command line without the program name) in a
// fresh tree, with cobra's completion command added, and parses its flags;
// with checkArgs it also validates the positional arguments. Optional
// groups of a synopsis ("[--store dynamodb [--create-table]]") are checked
// as if given.
func (c Checker) Check(words []string, checkArgs bool) error {
	root := c.NewRoot()
	root.InitDefaultCompletionCmd()
	cmd, rest, err := root.Find(unbracket(words))
	if err != nil {
		return err
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return err
	}
	if !checkArgs {
		return nil
	}
	return cmd.ValidateArgs(cmd.Flags().Args())
}

// unbracket removes the brackets of a synopsis's optional groups from
// words: the '[' that open a word and, while a group is open, the ']' that
// close one. Brackets inside a word ("Stacks[0]") stay.
func unbracket(words []string) []string {
	out := make([]string, 0, len(words))
	depth := 0
	for _, w := range words {
		if strings.HasPrefix(w, "[") {
			trimmed := strings.TrimLeft(w, "[")
			depth += len(w) - len(trimmed)
			w = trimmed
		}
		for depth > 0 && strings.HasSuffix(w, "]") {
			w = strings.TrimSuffix(w, "]")
			depth--
		}
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// CommandLines returns the arguments of each invocation of the program in
// md: in fenced sh, ini and untagged code blocks, at the prompts ("$ ") of
// console blocks, and in inline code spans that start with the program's
// name and a space.
func (c Checker) CommandLines(md string) (blocks, inline [][]string) {
	var prose, code strings.Builder
	inFence, lang := false, ""
	for _, line := range strings.SplitAfter(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			if !inFence {
				lang = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "`"))
			} else {
				blocks = append(blocks, c.blockInvocations(lang, code.String())...)
				code.Reset()
			}
			inFence = !inFence
			continue
		}
		if inFence {
			code.WriteString(line)
		} else {
			prose.WriteString(line)
		}
	}
	// Odd-numbered pieces are inside backticks.
	pieces := strings.Split(prose.String(), "`")
	for i := 1; i < len(pieces); i += 2 {
		if rest, ok := strings.CutPrefix(pieces[i], c.Program+" "); ok {
			inline = append(inline, shellWords(strings.ReplaceAll(rest, "\n", " ")))
		}
	}
	return blocks, inline
}

// blockInvocations returns the invocations in a code block of language
// lang, or none for a language that holds no shell commands.
func (c Checker) blockInvocations(lang, code string) [][]string {
	switch lang {
	case "", "sh", "ini":
		return c.Invocations(code)
	case "console":
		return c.Invocations(prompts(code))
	}
	return nil
}

// prompts returns the commands typed at the "$ " prompts of a console
// transcript, one a line, with their backslash-continued lines; the
// output lines are dropped.
func prompts(transcript string) string {
	var b strings.Builder
	continued := false
	for _, line := range strings.SplitAfter(transcript, "\n") {
		body := strings.TrimRight(line, "\n")
		if cmd, ok := strings.CutPrefix(strings.TrimLeft(body, " \t"), "$ "); ok {
			body = cmd
		} else if !continued {
			continue
		}
		b.WriteString(body + "\n")
		continued = strings.HasSuffix(body, `\`)
	}
	return b.String()
}

// Invocations finds the program's name and a space at a command position
// of shell or ini text (at a word start after a path, "(" or whitespace,
// but not as the value of a flag such as "--stack-name tip-broker") and
// splits what follows into words.
func (c Checker) Invocations(text string) [][]string {
	var out [][]string
	needle := c.Program + " "
	for i := 0; ; {
		j := strings.Index(text[i:], needle)
		if j < 0 {
			return out
		}
		at := i + j
		if at == 0 || strings.ContainsRune(" \t\n(/", rune(text[at-1])) && !afterFlag(text[:at]) {
			out = append(out, shellWords(text[at+len(needle):]))
		}
		i = at + len(needle)
	}
}

// afterFlag reports whether the last word of before, on its last line, is
// a flag other than "--", so that what follows is the flag's value.
func afterFlag(before string) bool {
	line := before[strings.LastIndexByte(before, '\n')+1:]
	fields := strings.Fields(line)
	if len(fields) == 0 || !strings.HasSuffix(line, " ") && !strings.HasSuffix(line, "\t") {
		return false
	}
	last := fields[len(fields)-1]
	return strings.HasPrefix(last, "-") && last != "--"
}

// shellWords splits s like a POSIX shell would, for the simple lines in
// docs: quotes, backslash-newline continuations, and a stop at an unquoted
// newline, comment or operator.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
		}
		cur.Reset()
		inWord = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			i++
		case c == '\'' || c == '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				end = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inWord, strings.IndexByte("\n|;&<>)`", c) >= 0:
			flush()
			return words
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words
}
