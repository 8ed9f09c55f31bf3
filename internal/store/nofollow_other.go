//go:build !unix

package store

// oNoFollow is 0 where open has no O_NOFOLLOW (Windows): creating a
// symbolic link there needs a privilege ordinary users lack, and the
// directories are refused when they are links (refuseSymlinkDir).
const oNoFollow = 0

// oNonBlock: no FIFOs in the file system here.
const oNonBlock = 0

func isSymlinkLoop(error) bool { return false }
