package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bluegreen-mesh/bluegreen/mesh/graph"
)

// Graph implements `graph <env> [-o dir]`: it renders the environment
// offline (package pipeline), prints bluegreen's findings, and writes its
// routing, every app behind the ingress gateway, as Mermaid (<env>-routing.mmd) and Graphviz DOT
// (<env>-routing.dot), plus SVG and PNG when Graphviz's dot is installed.
func Graph(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return fmt.Errorf("usage: graph <environment> [-o folder]")
	}
	envName := args[0]
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("o", filepath.Join("cdktf.out", "graphs"), "folder to write the pictures into")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("graph: unexpected arguments %q", fs.Args())
	}
	r, err := renderEnv(envName, false, stderr)
	if err != nil {
		return err
	}
	gw, err := gatewayOf(r)
	if err != nil {
		return err
	}
	g := graph.Build(gw.model)
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(*dir, envName+"-routing")
	files := map[string][]byte{".mmd": []byte(g.Mermaid()), ".dot": []byte(g.DOT())}
	for _, format := range []string{"svg", "png"} {
		out, ok, err := graph.RenderDOT(g.DOT(), format)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintf(stderr, "note: Graphviz's dot is not installed; no %s written\n", format)
			continue
		}
		files["."+format] = out
	}
	for _, ext := range []string{".mmd", ".dot", ".svg", ".png"} {
		content, ok := files[ext]
		if !ok {
			continue
		}
		if err := os.WriteFile(base+ext, content, 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "wrote", base+ext)
	}
	return nil
}
