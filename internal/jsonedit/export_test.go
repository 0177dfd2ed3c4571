package jsonedit

// SetWriteHook sets the function WriteFile calls at each stage, for the
// tests.
func SetWriteHook(f func(stage string)) { writeHook = f }
