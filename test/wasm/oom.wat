;; Runs out of memory: grows its memory 16 pages at a time until memory.grow fails (-1) at its declared
;; maximum of 64 pages, then exits with the number of pages it has.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory 1 64)
  (func (export "_start")
    (loop $g (br_if $g (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    (i32.store (i32.const 65536) (i32.const 7)) ;; the grown pages are usable
    (call $exit (memory.size))))
