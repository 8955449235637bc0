;; Imports a function no WASI host provides.
(module (import "env" "launch_missiles" (func)) (memory 1) (func (export "_start")))
