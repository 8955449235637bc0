;; wasi-threads: _start spawns 4 threads that each add 1000 to a shared counter with atomics, waits for
;; them with memory.atomic.wait32 on a done-count, prints nothing, and exits with counter / 100 (= 40).
(module
  (import "env" "memory" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (local $i i32)
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
    (drop (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 4) (i32.const 1))))
  (func (export "_start")
    (local $n i32)
    (drop (call $spawn (i32.const 0))) (drop (call $spawn (i32.const 0)))
    (drop (call $spawn (i32.const 0))) (drop (call $spawn (i32.const 0)))
    (loop $w
      (local.set $n (i32.atomic.load (i32.const 4)))
      (if (i32.lt_u (local.get $n) (i32.const 4))
        (then (drop (memory.atomic.wait32 (i32.const 4) (local.get $n) (i64.const 10000000))) (br $w))))
    (call $exit (i32.div_u (i32.atomic.load (i32.const 0)) (i32.const 100)))))
