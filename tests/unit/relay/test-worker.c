/* The relay's worker threads: start and stop, room placement, and messages
 * to a worker (vt_worker_invoke) and back to a main context (vt_main_invoke),
 * including what happens to messages still queued at shutdown. */
#include <pthread.h>
#include <string.h>

#include "relay/worker.h"

#define N_ORDER 100
#define N_MANY 10000
#define N_QUEUED 1000

static GThread *main_thread;

static gboolean on_timeout(gpointer data)
{
  g_error("timed out waiting for the workers");
  return G_SOURCE_REMOVE;
}

/* Iterates `context` until *flag is set by a message posted to it. */
static void iterate_until(GMainContext *context, gint *flag)
{
  GSource *timeout = g_timeout_source_new_seconds(30);
  g_source_set_callback(timeout, on_timeout, NULL, NULL);
  g_source_attach(timeout, context);
  while (!g_atomic_int_get(flag))
    g_main_context_iteration(context, TRUE);
  g_source_destroy(timeout);
  g_source_unref(timeout);
}

static gboolean set_flag(gpointer data)
{
  g_assert_true(g_thread_self() == main_thread);
  g_atomic_int_set((gint *)data, 1);
  return G_SOURCE_REMOVE;
}

static void test_start_stop(void)
{
  guint sizes[] = {1, 2, 5, 0};

  for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
    g_autoptr(VtWorkers) workers = vt_workers_new(sizes[s]);
    guint want = sizes[s] ? sizes[s] : g_get_num_processors();

    g_assert_cmpuint(vt_workers_count(workers), ==, want);
    for (guint i = 0; i < want; i++) {
      VtWorker *worker = vt_workers_get(workers, i);
      g_assert_cmpuint(vt_worker_index(worker), ==, i);
      g_assert_cmpuint(vt_worker_room_count(worker), ==, 0);
      g_assert_nonnull(vt_worker_context(worker));
      g_assert_true(vt_worker_context(worker) != g_main_context_default());
      if (i > 0)
        g_assert_true(vt_worker_context(worker) !=
                      vt_worker_context(vt_workers_get(workers, i - 1)));
    }
  }
  vt_workers_free(NULL);
}

static guint place(VtWorkers *workers, const char *room)
{
  return vt_worker_index(vt_workers_place(workers, room));
}

static void test_place(void)
{
  g_autoptr(VtWorkers) workers = vt_workers_new(3);

  for (guint i = 0; i < 9; i++) /* fewest rooms first, ties by index */
    g_assert_cmpuint(place(workers, "room"), ==, i % 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpuint(vt_worker_room_count(vt_workers_get(workers, i)), ==, 3);

  vt_workers_release(workers, vt_workers_get(workers, 1));
  vt_workers_release(workers, vt_workers_get(workers, 1));
  vt_workers_release(workers, vt_workers_get(workers, 2)); /* 3, 1, 2 */
  g_assert_cmpuint(place(workers, "a"), ==, 1);            /* 3, 2, 2 */
  g_assert_cmpuint(place(workers, "b"), ==, 1);            /* 3, 3, 2 */
  g_assert_cmpuint(place(workers, "c"), ==, 2);            /* 3, 3, 3 */
  g_assert_cmpuint(place(workers, NULL), ==, 0);           /* 4, 3, 3 */
  g_assert_cmpuint(vt_worker_room_count(vt_workers_get(workers, 0)), ==, 4);
}

/* ---- Messages to one worker, in order, on its thread --------------------- */

typedef struct {
  VtWorker *worker;
  GThread *thread; /* the worker thread, as first seen */
  guint seen[N_ORDER];
  guint n_seen;
  gint done;
} OrderRun;

typedef struct {
  OrderRun *run;
  guint i;
} OrderItem;

static gboolean record_order(gpointer data)
{
  OrderItem *item = data;
  OrderRun *run = item->run;
  GMainContext *context = vt_worker_context(run->worker);
  char name[16] = "";

  g_assert_true(g_thread_self() != main_thread);
  g_assert_true(g_main_context_is_owner(context));
  g_assert_true(g_main_context_get_thread_default() == context);
  if (run->thread == NULL)
    run->thread = g_thread_self();
  g_assert_true(run->thread == g_thread_self());
  pthread_getname_np(pthread_self(), name, sizeof name);
  g_assert_cmpstr(name, ==, "vt-relay-1");

  run->seen[run->n_seen++] = item->i;
  if (item->i == N_ORDER - 1)
    vt_main_invoke(NULL, set_flag, &run->done, NULL);
  return G_SOURCE_REMOVE;
}

static void test_invoke_order(void)
{
  g_autoptr(VtWorkers) workers = vt_workers_new(2);
  OrderRun run = {.worker = vt_workers_get(workers, 1)};

  for (guint i = 0; i < N_ORDER; i++) {
    OrderItem *item = g_new(OrderItem, 1);
    *item = (OrderItem){&run, i};
    vt_worker_invoke(run.worker, record_order, item, g_free);
  }
  iterate_until(NULL, &run.done);
  g_assert_cmpuint(run.n_seen, ==, N_ORDER);
  for (guint i = 0; i < N_ORDER; i++)
    g_assert_cmpuint(run.seen[i], ==, i);
}

/* vt_worker_post() queues without waking the worker: nothing runs until the
 * owner's loop turns, then everything does, in order with messages that
 * vt_worker_invoke() queued in between. */
static void test_post_wakes_next_turn(void)
{
  g_autoptr(VtWorkers) workers = vt_workers_new(2);
  OrderRun run = {.worker = vt_workers_get(workers, 1)};

  for (guint i = 0; i < N_ORDER / 2; i++) {
    OrderItem *item = g_new(OrderItem, 1);
    *item = (OrderItem){&run, i};
    vt_worker_post(run.worker, record_order, item, g_free);
  }
  g_usleep(50 * 1000); /* time enough for a woken worker to run them */
  g_assert_cmpuint(g_atomic_int_get(&run.n_seen), ==, 0);

  for (guint i = N_ORDER / 2; i < N_ORDER; i++) {
    OrderItem *item = g_new(OrderItem, 1);
    *item = (OrderItem){&run, i};
    if (i % 3)
      vt_worker_post(run.worker, record_order, item, g_free);
    else
      vt_worker_invoke(run.worker, record_order, item, g_free);
  }
  iterate_until(NULL, &run.done);
  g_assert_cmpuint(run.n_seen, ==, N_ORDER);
  for (guint i = 0; i < N_ORDER; i++)
    g_assert_cmpuint(run.seen[i], ==, i);
}

/* ---- Many messages, each run exactly once --------------------------------- */

typedef struct _ManyRun ManyRun;

typedef struct {
  ManyRun *many;
  guint i;
} ManyItem;

struct _ManyRun {
  gint runs[N_MANY];
  gint destroys[N_MANY];
  ManyItem items[N_MANY];
  gint total;
  gint done;
};

static gboolean count_run(gpointer data)
{
  ManyItem *item = data;
  ManyRun *many = item->many;

  g_atomic_int_inc(&many->runs[item->i]);
  if (g_atomic_int_add(&many->total, 1) == N_MANY - 1)
    vt_main_invoke(NULL, set_flag, &many->done, NULL);
  return G_SOURCE_REMOVE;
}

static void count_destroy(gpointer data)
{
  ManyItem *item = data;
  g_atomic_int_inc(&item->many->destroys[item->i]);
}

static void test_invoke_many(void)
{
  VtWorkers *workers = vt_workers_new(4);
  ManyRun *many = g_new0(ManyRun, 1);

  for (guint i = 0; i < N_MANY; i++) {
    many->items[i] = (ManyItem){many, i};
    vt_worker_invoke(vt_workers_get(workers, i % 4), count_run, &many->items[i], count_destroy);
  }
  iterate_until(NULL, &many->done);
  vt_workers_free(workers);
  for (guint i = 0; i < N_MANY; i++) {
    g_assert_cmpint(many->runs[i], ==, 1);
    g_assert_cmpint(many->destroys[i], ==, 1);
  }
  g_free(many);
}

/* ---- Posting to oneself queues; G_SOURCE_CONTINUE requeues ---------------- */

typedef struct {
  VtWorker *worker;
  gint inner_ran;
  gint continues;
  gint destroys;
  gint done;
} SelfRun;

static gboolean self_inner(gpointer data)
{
  SelfRun *self = data;
  self->inner_ran = 1;
  return G_SOURCE_REMOVE;
}

static gboolean self_repeat(gpointer data)
{
  SelfRun *self = data;
  g_assert_cmpint(self->inner_ran, ==, 1); /* queued after inner, so after it */
  if (++self->continues < 3)
    return G_SOURCE_CONTINUE;
  vt_main_invoke(NULL, set_flag, &self->done, NULL);
  return G_SOURCE_REMOVE;
}

static void self_destroy(gpointer data)
{
  ((SelfRun *)data)->destroys++;
}

static gboolean self_outer(gpointer data)
{
  SelfRun *self = data;
  vt_worker_invoke(self->worker, self_inner, self, NULL);
  g_assert_cmpint(self->inner_ran, ==, 0); /* not run inline */
  vt_worker_invoke(self->worker, self_repeat, self, self_destroy);
  return G_SOURCE_REMOVE;
}

static void test_invoke_self(void)
{
  g_autoptr(VtWorkers) workers = vt_workers_new(1);
  SelfRun self = {.worker = vt_workers_get(workers, 0)};

  vt_worker_invoke(self.worker, self_outer, &self, NULL);
  iterate_until(NULL, &self.done);
  g_clear_pointer(&workers, vt_workers_free);
  g_assert_cmpint(self.continues, ==, 3);
  g_assert_cmpint(self.destroys, ==, 1);
}

/* ---- Messages queued at shutdown are released, not run -------------------- */

typedef struct {
  gint gate_started;
  gint runs;
  gint released;
  gint destroys;
} ShutdownRun;

typedef struct {
  ShutdownRun *run;
  gboolean ran;
} ShutdownItem;

static gboolean hold_gate(gpointer data)
{
  g_atomic_int_set(&((ShutdownRun *)data)->gate_started, 1);
  g_usleep(200 * 1000); /* long enough for the test to queue and call free */
  return G_SOURCE_REMOVE;
}

static gboolean shutdown_item_run(gpointer data)
{
  ShutdownItem *item = data;
  item->ran = TRUE;
  g_atomic_int_inc(&item->run->runs);
  return G_SOURCE_REMOVE;
}

static void shutdown_item_destroy(gpointer data)
{
  ShutdownItem *item = data;
  if (!item->ran) {
    g_assert_true(g_thread_self() == main_thread);
    g_atomic_int_inc(&item->run->released);
  }
  g_atomic_int_inc(&item->run->destroys);
  g_free(item);
}

static void test_shutdown_releases(void)
{
  VtWorkers *workers = vt_workers_new(2);
  VtWorker *worker = vt_workers_get(workers, 0);
  ShutdownRun run = {0};

  vt_worker_invoke(worker, hold_gate, &run, NULL);
  while (!g_atomic_int_get(&run.gate_started))
    g_usleep(1000);
  for (guint i = 0; i < N_QUEUED; i++) {
    ShutdownItem *item = g_new0(ShutdownItem, 1);
    item->run = &run;
    vt_worker_invoke(worker, shutdown_item_run, item, shutdown_item_destroy);
  }
  vt_workers_free(workers); /* waits for the gate, then releases the rest */
  g_assert_cmpint(run.runs + run.released, ==, N_QUEUED);
  g_assert_cmpint(run.destroys, ==, N_QUEUED);
  g_assert_cmpint(run.released, >, 0);
}

/* ---- Posting back to a main context ---------------------------------------- */

typedef struct {
  GMainContext *main;
  guint next;
  gint done;
  gint destroyed;
} BackRun;

static gboolean back_result(gpointer data)
{
  BackRun *back = data;
  g_assert_true(g_thread_self() == main_thread);
  g_assert_true(g_main_context_is_owner(back->main));
  if (++back->next == 10)
    back->done = 1;
  return G_SOURCE_REMOVE;
}

static gboolean back_post(gpointer data)
{
  BackRun *back = data;
  for (guint i = 0; i < 10; i++)
    vt_main_invoke(back->main, back_result, back, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean never_run(gpointer data)
{
  g_assert_not_reached();
  return G_SOURCE_REMOVE;
}

static void mark_destroyed(gpointer data)
{
  ((BackRun *)data)->destroyed = 1;
}

static void test_main_invoke(void)
{
  g_autoptr(VtWorkers) workers = vt_workers_new(1);
  BackRun back = {.main = g_main_context_new()};

  vt_worker_invoke(vt_workers_get(workers, 0), back_post, &back, NULL);
  iterate_until(back.main, &back.done);
  g_assert_cmpuint(back.next, ==, 10);
  /* The worker may still be inside its last vt_main_invoke() call: join it
   * before dropping the context. */
  g_clear_pointer(&workers, vt_workers_free);

  /* Never iterated again: the message is released with the context. */
  vt_main_invoke(back.main, never_run, &back, mark_destroyed);
  g_main_context_unref(back.main);
  g_assert_cmpint(back.destroyed, ==, 1);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  main_thread = g_thread_self();
  g_test_add_func("/relay/worker/start-stop", test_start_stop);
  g_test_add_func("/relay/worker/place", test_place);
  g_test_add_func("/relay/worker/invoke-order", test_invoke_order);
  g_test_add_func("/relay/worker/post-wakes-next-turn", test_post_wakes_next_turn);
  g_test_add_func("/relay/worker/invoke-many", test_invoke_many);
  g_test_add_func("/relay/worker/invoke-self", test_invoke_self);
  g_test_add_func("/relay/worker/shutdown-releases", test_shutdown_releases);
  g_test_add_func("/relay/worker/main-invoke", test_main_invoke);
  return g_test_run();
}
