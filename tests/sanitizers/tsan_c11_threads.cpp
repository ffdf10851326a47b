// Linked into every executable of a TXPULSE_SANITIZE=thread build (see the root CMakeLists.txt).
//
// librdkafka 2.x creates its threads and locks its mutexes through C11 <threads.h> (thrd_create, mtx_lock,
// cnd_wait...). glibc implements those by calling its internal pthread functions directly, so the pthread
// interceptors of the TSan runtime (GCC 12's libtsan, like clang 14's) never see them: the first malloc on a
// librdkafka thread crashes the runtime (the thread was never registered) and every librdkafka lock would be
// invisible. These definitions take precedence over glibc's (the executable comes first in symbol lookup)
// and forward to the public pthread functions, which TSan intercepts. glibc's mtx_t / cnd_t / thrd_t are the
// pthread types under another name, so the casts are what glibc does itself.

#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>

namespace {

struct Start {
    thrd_start_t func;
    void *arg;
};

void *trampoline(void *p)
{
    const Start start = *static_cast<Start *>(p);
    delete static_cast<Start *>(p);
    return reinterpret_cast<void *>(static_cast<std::intptr_t>(start.func(start.arg)));
}

pthread_mutex_t *native(mtx_t *m) { return reinterpret_cast<pthread_mutex_t *>(m); }
pthread_cond_t *native(cnd_t *c) { return reinterpret_cast<pthread_cond_t *>(c); }

int result(int err)
{
    switch (err) {
    case 0: return thrd_success;
    case EBUSY: return thrd_busy;
    case ETIMEDOUT: return thrd_timedout;
    case ENOMEM: return thrd_nomem;
    default: return thrd_error;
    }
}

} // namespace

extern "C" {

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg)
{
    auto *start = new Start{func, arg};
    const int err = pthread_create(thr, nullptr, trampoline, start);
    if (err != 0)
        delete start;
    return result(err);
}

int thrd_join(thrd_t thr, int *res)
{
    void *value = nullptr;
    const int err = pthread_join(thr, &value);
    if (err == 0 && res)
        *res = static_cast<int>(reinterpret_cast<std::intptr_t>(value));
    return result(err);
}

int thrd_detach(thrd_t thr) { return result(pthread_detach(thr)); }

int mtx_init(mtx_t *m, int type)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if (type & mtx_recursive)
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    const int err = pthread_mutex_init(native(m), &attr);
    pthread_mutexattr_destroy(&attr);
    return result(err);
}

int mtx_lock(mtx_t *m) { return result(pthread_mutex_lock(native(m))); }
int mtx_trylock(mtx_t *m) { return result(pthread_mutex_trylock(native(m))); }
int mtx_timedlock(mtx_t *__restrict m, const struct timespec *__restrict until)
{
    return result(pthread_mutex_timedlock(native(m), until));
}
int mtx_unlock(mtx_t *m) { return result(pthread_mutex_unlock(native(m))); }
void mtx_destroy(mtx_t *m) { pthread_mutex_destroy(native(m)); }

int cnd_init(cnd_t *c) { return result(pthread_cond_init(native(c), nullptr)); }
int cnd_signal(cnd_t *c) { return result(pthread_cond_signal(native(c))); }
int cnd_broadcast(cnd_t *c) { return result(pthread_cond_broadcast(native(c))); }
int cnd_wait(cnd_t *c, mtx_t *m) { return result(pthread_cond_wait(native(c), native(m))); }
int cnd_timedwait(cnd_t *__restrict c, mtx_t *__restrict m, const struct timespec *__restrict until)
{
    return result(pthread_cond_timedwait(native(c), native(m), until));
}
void cnd_destroy(cnd_t *c) { pthread_cond_destroy(native(c)); }

} // extern "C"
