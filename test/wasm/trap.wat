;; Traps at once.
(module (memory 1) (func (export "_start") unreachable))
