/* The relay's worker threads (see worker.h for the contract).
 *
 * Each worker has a mailbox: a FIFO of messages under a mutex, drained by one
 * GSource attached to the worker's context and woken with
 * g_source_set_ready_time(), which is thread-safe and wakes the context. The
 * mutex guards only the queue and the stop flag; no message runs under it.
 * Stopping goes through the same mailbox: the drain sees the stop flag and
 * quits the loop from inside it, so a stop can never be lost by arriving
 * before g_main_loop_run() has started. */
#include "relay/worker.h"

/* Messages run per dispatch before the mailbox yields to the worker's other
 * sources (transports, timers), so that a burst of messages cannot starve
 * them. */
#define MAILBOX_BATCH 64

typedef struct {
  GSourceFunc fn;
  gpointer data;
  GDestroyNotify destroy;
} Message;

struct _VtWorker {
  guint index;
  guint rooms;       /* touched on the owner thread only */
  gboolean wake_due; /* owner thread only: vt_worker_post() queued, not woken yet */
  VtWorkers *set;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GSource *mailbox;
  GMutex lock;       /* guards queue and stopping, nothing else */
  GQueue queue;      /* of Message *, oldest first */
  gboolean stopping; /* set once by vt_workers_free() */
};

struct _VtWorkers {
  GThread *owner; /* the thread that may place, release and free */
  guint n;
  VtWorker *workers; /* array of n */
  GSource *waker;    /* on the owner's context: wakes workers vt_worker_post() queued to */
};

typedef struct {
  GSource source;
  VtWorker *worker;
} Mailbox;

static void message_release(gpointer p)
{
  Message *msg = p;
  if (msg->destroy)
    msg->destroy(msg->data);
  g_free(msg);
}

/* Runs one message on the worker thread, outside the lock: requeues it at the
 * back if it asks to continue, releases it otherwise. */
static void message_run(VtWorker *worker, Message *msg)
{
  if (msg->fn(msg->data) == G_SOURCE_CONTINUE) {
    g_mutex_lock(&worker->lock);
    g_queue_push_tail(&worker->queue, msg);
    g_mutex_unlock(&worker->lock);
    return;
  }
  message_release(msg);
}

/* Drains up to MAILBOX_BATCH messages, checking the stop flag before each so
 * that nothing starts once vt_workers_free() has begun. Disarms before
 * draining: a message posted meanwhile re-arms, at worst for an empty
 * dispatch. */
static gboolean mailbox_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
  VtWorker *worker = ((Mailbox *)source)->worker;

  g_source_set_ready_time(source, -1);
  for (guint i = 0; i < MAILBOX_BATCH; i++) {
    Message *msg = NULL;
    gboolean stop;

    g_mutex_lock(&worker->lock);
    stop = worker->stopping;
    if (!stop)
      msg = g_queue_pop_head(&worker->queue);
    g_mutex_unlock(&worker->lock);

    if (stop) {
      g_main_loop_quit(worker->loop);
      return G_SOURCE_CONTINUE;
    }
    if (msg == NULL)
      return G_SOURCE_CONTINUE;
    message_run(worker, msg);
  }
  g_source_set_ready_time(source, 0); /* more may be waiting */
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs mailbox_funcs = {
  .dispatch = mailbox_dispatch,
};

static gpointer worker_main(gpointer p)
{
  VtWorker *worker = p;

  g_main_context_push_thread_default(worker->context);
  g_main_loop_run(worker->loop);
  g_main_context_pop_thread_default(worker->context);
  return NULL;
}

static void worker_start(VtWorker *worker, guint index)
{
  g_autofree char *name = g_strdup_printf("vt-relay-%u", index);

  worker->index = index;
  worker->context = g_main_context_new();
  worker->loop = g_main_loop_new(worker->context, FALSE);
  g_mutex_init(&worker->lock);
  g_queue_init(&worker->queue);

  worker->mailbox = g_source_new(&mailbox_funcs, sizeof(Mailbox));
  ((Mailbox *)worker->mailbox)->worker = worker;
  g_source_set_static_name(worker->mailbox, "vt-relay-mailbox");
  g_source_set_ready_time(worker->mailbox, -1);
  g_source_attach(worker->mailbox, worker->context);

  worker->thread = g_thread_new(name, worker_main, worker);
}

/* The owner's side of vt_worker_post(): once per turn of the owner's loop,
 * the workers posted to in the last turn are woken, each once. */
typedef struct {
  GSource source;
  VtWorkers *workers;
} Waker;

static gboolean waker_due(GSource *source)
{
  VtWorkers *workers = ((Waker *)source)->workers;
  for (guint i = 0; i < workers->n; i++)
    if (workers->workers[i].wake_due)
      return TRUE;
  return FALSE;
}

static gboolean waker_prepare(GSource *source, gint *timeout)
{
  *timeout = -1;
  return waker_due(source);
}

void vt_workers_wake(VtWorkers *workers)
{
  g_return_if_fail(g_thread_self() == workers->owner);
  for (guint i = 0; i < workers->n; i++) {
    VtWorker *worker = &workers->workers[i];
    if (worker->wake_due) {
      worker->wake_due = FALSE;
      g_source_set_ready_time(worker->mailbox, 0);
    }
  }
}

static gboolean waker_dispatch(GSource *source, GSourceFunc callback, gpointer data)
{
  vt_workers_wake(((Waker *)source)->workers);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs waker_funcs = {
    .prepare = waker_prepare,
    .check = waker_due,
    .dispatch = waker_dispatch,
};

VtWorkers *vt_workers_new(guint n)
{
  VtWorkers *workers = g_new0(VtWorkers, 1);

  workers->owner = g_thread_self();
  workers->n = n > 0 ? n : g_get_num_processors();
  workers->workers = g_new0(VtWorker, workers->n);
  for (guint i = 0; i < workers->n; i++) {
    workers->workers[i].set = workers;
    worker_start(&workers->workers[i], i);
  }
  workers->waker = g_source_new(&waker_funcs, sizeof(Waker));
  ((Waker *)workers->waker)->workers = workers;
  g_source_set_static_name(workers->waker, "vt-relay-waker");
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
  g_source_attach(workers->waker, context);
  return workers;
}

static void worker_request_stop(VtWorker *worker)
{
  g_mutex_lock(&worker->lock);
  worker->stopping = TRUE;
  g_mutex_unlock(&worker->lock);
  g_source_set_ready_time(worker->mailbox, 0);
}

/* After the thread is joined: releases what is still queued, then the rest. */
static void worker_finish(VtWorker *worker)
{
  g_queue_clear_full(&worker->queue, message_release);
  g_source_destroy(worker->mailbox);
  g_clear_pointer(&worker->mailbox, g_source_unref);
  g_clear_pointer(&worker->loop, g_main_loop_unref);
  g_clear_pointer(&worker->context, g_main_context_unref);
  g_mutex_clear(&worker->lock);
}

/* Stops all workers first and joins them all before releasing any queue, so
 * that a message a worker posts to another worker while stopping is still
 * released rather than lost. */
void vt_workers_free(VtWorkers *workers)
{
  if (workers == NULL)
    return;
  g_return_if_fail(g_thread_self() == workers->owner);

  g_source_destroy(workers->waker);
  g_source_unref(workers->waker);
  for (guint i = 0; i < workers->n; i++)
    worker_request_stop(&workers->workers[i]);
  for (guint i = 0; i < workers->n; i++)
    g_thread_join(g_steal_pointer(&workers->workers[i].thread));
  for (guint i = 0; i < workers->n; i++)
    worker_finish(&workers->workers[i]);
  g_free(workers->workers);
  g_free(workers);
}

guint vt_workers_count(const VtWorkers *workers)
{
  g_return_val_if_fail(workers != NULL, 0);
  return workers->n;
}

VtWorker *vt_workers_get(VtWorkers *workers, guint index)
{
  g_return_val_if_fail(workers != NULL && index < workers->n, NULL);
  return &workers->workers[index];
}

VtWorker *vt_workers_place(VtWorkers *workers, const char *room_id)
{
  VtWorker *best;

  g_return_val_if_fail(workers != NULL, NULL);
  g_return_val_if_fail(g_thread_self() == workers->owner, NULL);

  best = &workers->workers[0];
  for (guint i = 1; i < workers->n; i++)
    if (workers->workers[i].rooms < best->rooms)
      best = &workers->workers[i];
  best->rooms++;
  g_debug("room %s placed on vt-relay-%u (%u rooms)", room_id ? room_id : "?", best->index,
          best->rooms);
  return best;
}

void vt_workers_release(VtWorkers *workers, VtWorker *worker)
{
  g_return_if_fail(workers != NULL && worker != NULL);
  g_return_if_fail(g_thread_self() == workers->owner);
  g_return_if_fail(worker >= workers->workers && worker < workers->workers + workers->n);
  g_return_if_fail(worker->rooms > 0);
  worker->rooms--;
}

guint vt_worker_index(const VtWorker *worker)
{
  g_return_val_if_fail(worker != NULL, 0);
  return worker->index;
}

guint vt_worker_room_count(const VtWorker *worker)
{
  g_return_val_if_fail(worker != NULL, 0);
  return worker->rooms;
}

GMainContext *vt_worker_context(VtWorker *worker)
{
  g_return_val_if_fail(worker != NULL, NULL);
  return worker->context;
}

static void enqueue(VtWorker *worker, GSourceFunc fn, gpointer data, GDestroyNotify destroy)
{
  Message *msg = g_new(Message, 1);
  *msg = (Message){.fn = fn, .data = data, .destroy = destroy};

  g_mutex_lock(&worker->lock);
  g_queue_push_tail(&worker->queue, msg);
  g_mutex_unlock(&worker->lock);
}

void vt_worker_invoke(VtWorker *worker, GSourceFunc fn, gpointer data, GDestroyNotify destroy)
{
  g_return_if_fail(worker != NULL && fn != NULL);
  enqueue(worker, fn, data, destroy);
  g_source_set_ready_time(worker->mailbox, 0);
}

void vt_worker_post(VtWorker *worker, GSourceFunc fn, gpointer data, GDestroyNotify destroy)
{
  g_return_if_fail(worker != NULL && fn != NULL);
  if (g_thread_self() != worker->set->owner) {
    g_critical("vt_worker_post() outside the owner thread; message dropped");
    if (destroy)
      destroy(data);
    return;
  }
  enqueue(worker, fn, data, destroy);
  worker->wake_due = TRUE;
}

gboolean vt_context_is_mine(GMainContext *ctx)
{
  if (g_main_context_is_owner(ctx))
    return TRUE;
  if (!g_main_context_acquire(ctx))
    return FALSE;
  g_main_context_release(ctx);
  return TRUE;
}

void vt_main_invoke(GMainContext *main, GSourceFunc fn, gpointer data, GDestroyNotify destroy)
{
  GSource *source;

  g_return_if_fail(fn != NULL);
  source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_DEFAULT);
  g_source_set_callback(source, fn, data, destroy);
  g_source_set_static_name(source, "vt_main_invoke");
  g_source_attach(source, main); /* NULL: the global default context */
  g_source_unref(source);
}
