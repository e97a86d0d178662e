// Command etcd runs etcd's own entry point. A plain `go install` of the etcd
// main module fails on its replace directives, so this wrapper module pins
// the server module and calls the same main function.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
