// exceptions_threads.cpp — transparency case: C++ exceptions thrown through several frames on 4 threads
// at once, with files opened and closed by RAII objects while the stack unwinds (the shim loads libunwind
// privately; the program's own unwinding must not notice). Prints per-thread counts; deterministic.
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Opened { // a descriptor held by a frame, closed when the exception unwinds through it
    std::ifstream file{"/etc/hostname"};
};

[[gnu::noinline]] int level4(int thread, int round) {
    Opened held;
    if (round % 3 != 0) throw std::runtime_error("thread " + std::to_string(thread) + " round " + std::to_string(round));
    return held.file.is_open() ? 1 : 0;
}
[[gnu::noinline]] int level3(int thread, int round) { Opened held; return level4(thread, round) + 1; }
[[gnu::noinline]] int level2(int thread, int round) { std::vector<int> v(16, round); return level3(thread, v[3]) + 1; }
[[gnu::noinline]] int level1(int thread, int round) { Opened held; return level2(thread, round) + 1; }

} // namespace

int main() {
    const int rounds = 3000;
    std::vector<int> caught(4), returned(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([t, &caught, &returned] {
            for (int round = 0; round < rounds; round++) {
                try {
                    returned[t] += level1(t, round);
                } catch (const std::runtime_error &e) {
                    if (std::string(e.what()).find("round " + std::to_string(round)) != std::string::npos) caught[t]++;
                }
            }
        });
    }
    for (auto &thread : threads) thread.join();
    for (int t = 0; t < 4; t++) std::printf("thread %d: caught %d, returned sum %d\n", t, caught[t], returned[t]);
    return 0;
}
