package wait

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// ListCond reports whether the awaited state holds for objs, the objects
// a watch holds now (in no particular order); seen and err are as in
// Cond.
type ListCond[T runtime.Object] func(objs []T) (done bool, seen string, err error)

// ForWatch waits, under the policy, for a state of Kubernetes API objects:
// it lists what lw lists, then watches it from that list's resource
// version (client-go's watchtools.UntilWithSync), and evaluates cond on
// the objects held once the list is in and again after each event, so it
// ends at the event that makes cond hold, with no polling. It fails the
// test as For does.
func ForWatch[T runtime.Object](t testing.TB, what string, o Options, lw cache.ListerWatcher, cond ListCond[T]) {
	t.Helper()
	if err := UntilWatch(context.Background(), what, o, lw, cond); err != nil {
		t.Fatal(err)
	}
}

// UntilWatch is ForWatch for code that returns an error instead of
// failing a test; its error is Until's.
func UntilWatch[T runtime.Object](ctx context.Context, what string, o Options, lw cache.ListerWatcher, cond ListCond[T]) error {
	// The informer wants an object of the watched type, not a nil
	// pointer: T is a pointer type such as *corev1.Namespace.
	var zero T
	example, ok := reflect.New(reflect.TypeOf(zero).Elem()).Interface().(T)
	if !ok {
		return fmt.Errorf("waiting for %s: %T is not a pointer to an API object", what, zero)
	}
	return UntilStream(ctx, what, o, func(ctx context.Context, seen func(string)) error {
		var store cache.Store
		var condErr error
		eval := func() (bool, error) {
			var objs []T
			for _, x := range store.List() {
				if v, ok := x.(T); ok {
					objs = append(objs, v)
				}
			}
			done, s, err := cond(objs)
			seen(s)
			condErr = err
			return done, err
		}
		_, err := watchtools.UntilWithSync(ctx, lw, example,
			func(s cache.Store) (bool, error) { store = s; return eval() },
			// The informer updates its store before it hands on the
			// event, so the store holds at least the state the event
			// announces.
			func(watch.Event) (bool, error) { return eval() })
		if condErr != nil {
			return condErr
		}
		return err
	})
}
