;; Loops forever without a syscall.
(module (memory 1) (func (export "_start") (loop $l (br $l))))
