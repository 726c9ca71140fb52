/* The relay's worker threads: where rooms live and how threads talk.
 *
 * VtWorkers starts N threads ("vt-relay-0" ... "vt-relay-N-1"), each running
 * a GMainLoop on its own GMainContext, which is also the thread-default
 * context of that thread, so that objects created there (NiceAgent, timers,
 * sockets) attach to it. A room is placed on one worker and all its transports
 * live there; forwarding inside a room never takes a lock and never crosses a
 * thread (docs: design.md, "Threads").
 *
 * Threads never call into each other's objects; they post messages:
 * vt_worker_invoke() towards a worker, vt_main_invoke() back towards the main
 * context (relay -> signaling). Both ALWAYS queue, even when called from the
 * target thread itself, so a message never runs inside its sender's stack (and
 * so never under the sender's locks), and messages from one sender to one
 * target run in the order they were posted.
 *
 * Threading contract: vt_workers_new/free/place/release/count/get are called
 * on the thread that created the VtWorkers (the main thread); the room
 * counters are therefore plain integers. vt_worker_invoke() and
 * vt_worker_context() may be called from any thread while the VtWorkers
 * lives. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _VtWorkers VtWorkers;
typedef struct _VtWorker VtWorker;

/* Starts `n` worker threads (0 means g_get_num_processors()). Returns once the
 * threads have been created; messages posted before a loop is running are
 * kept and run when it starts. */
VtWorkers *vt_workers_new(guint n);

/* Stops every worker and joins its thread. A message that a worker is running
 * when free begins is finished first; every message still queued after that is
 * NOT run: it is released through its destroy notify, on the calling thread,
 * after every worker thread has been joined (so also a message one worker
 * posts to another while stopping). No other thread may post once free has
 * begun. The caller must have torn down everything attached to
 * the worker contexts (rooms, transports) beforehand. NULL is allowed. */
void vt_workers_free(VtWorkers *workers);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VtWorkers, vt_workers_free)

guint vt_workers_count(const VtWorkers *workers);

/* (transfer none) The worker at `index` (< vt_workers_count()). */
VtWorker *vt_workers_get(VtWorkers *workers, guint index);

/* Picks the worker for a new room: the one with the fewest rooms, the lowest
 * index on a tie, and counts the room on it. `room_id` is only logged.
 * (transfer none): valid until vt_workers_free(). Main thread only. */
VtWorker *vt_workers_place(VtWorkers *workers, const char *room_id);

/* Uncounts a room placed with vt_workers_place() that has ended. Main thread
 * only. */
void vt_workers_release(VtWorkers *workers, VtWorker *worker);

guint vt_worker_index(const VtWorker *worker);

/* Rooms currently placed on `worker`. Main thread only. */
guint vt_worker_room_count(const VtWorker *worker);

/* (transfer none) The worker's context. Attach sources to it from any thread;
 * iterate it only on the worker thread (the worker's loop owns it). */
GMainContext *vt_worker_context(VtWorker *worker);

/* Queues `fn(data)` to run on the worker thread, after every message posted to
 * this worker before it; never runs it inline, even when called on the worker
 * thread. As with g_main_context_invoke_full(): if fn returns
 * G_SOURCE_CONTINUE it is queued again (at the back); once it returns
 * G_SOURCE_REMOVE, `destroy(data)` runs on the worker thread. If the worker
 * stops before fn ran, fn never runs and destroy(data) runs in
 * vt_workers_free() instead. Either way destroy runs exactly once. Callable
 * from any thread; thread-safe. */
void vt_worker_invoke(VtWorker *worker, GSourceFunc fn, gpointer data, GDestroyNotify destroy);

/* The same, from the owner thread, without waking the worker now: the
 * workers posted to are woken once each at the owner's next main-loop turn
 * (its thread-default context when vt_workers_new() ran). Waking a worker
 * per message costs both threads a wakeup and a context switch; a burst of
 * joins posts hundreds in one turn. Messages posted here and with
 * vt_worker_invoke() keep their order. Owner thread only. */
void vt_worker_post(VtWorker *worker, GSourceFunc fn, gpointer data, GDestroyNotify destroy);

/* Wakes now the workers that vt_worker_post() queued to, rather than at the
 * next loop turn: for an owner that is in the middle of a long turn. Owner
 * thread only. */
void vt_workers_wake(VtWorkers *workers);

/* Whether the calling thread may touch objects that live on ctx: it runs
 * ctx's loop, or nobody does (a test driving it by hand, or teardown after
 * the worker stopped). Takes ctx's lock: not for per-packet paths. */
gboolean vt_context_is_mine(GMainContext *ctx);

/* Queues `fn(data)` on `main` (NULL means the global default context), at
 * G_PRIORITY_DEFAULT, for the relay -> signaling direction; never inline.
 * Same fn/destroy semantics as vt_worker_invoke(); if the context is destroyed
 * first, destroy(data) runs then. Messages from one thread run in the order
 * they were posted. Callable from any thread; the caller must keep `main`
 * alive until the call has returned (a fn having run on `main` does not prove
 * that: the poster may still be returning from it). */
void vt_main_invoke(GMainContext *main, GSourceFunc fn, gpointer data, GDestroyNotify destroy);

G_END_DECLS
