// scheduler.cpp — a single-threaded task scheduler on a priority queue (no timer wheel).
//
// Tasks run at a virtual time; periodic tasks re-arm themselves. The clock is injected so
// the whole thing can be tested without sleeping. Build: g++ -std=c++20 -O2 scheduler.cpp
#include <chrono>
#include <cstdint>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace sched {

using Millis = std::chrono::milliseconds;
using TaskId = std::uint64_t;

struct Task {
    TaskId id;
    std::string name;
    Millis due;
    std::optional<Millis> period;
    std::function<void(TaskId)> body;
};

class Scheduler {
public:
    TaskId schedule_once(std::string name, Millis delay, std::function<void(TaskId)> body) {
        return push(std::move(name), now_ + delay, std::nullopt, std::move(body));
    }

    TaskId schedule_every(std::string name, Millis period, std::function<void(TaskId)> body) {
        return push(std::move(name), now_ + period, period, std::move(body));
    }

    bool cancel(TaskId id) { return live_.erase(id) > 0; }

    /// Advance the virtual clock, running every task that falls due, in order.
    std::size_t advance(Millis by) {
        const Millis until = now_ + by;
        std::size_t ran = 0;
        while (!queue_.empty() && queue_.top()->due <= until) {
            std::shared_ptr<Task> task = queue_.top();
            queue_.pop();
            if (!live_.contains(task->id)) continue;  // cancelled: drop lazily
            now_ = task->due;
            task->body(task->id);
            ++ran;
            ++run_counts_[task->name];
            if (task->period && live_.contains(task->id)) {
                task->due += *task->period;
                queue_.push(task);
            } else {
                live_.erase(task->id);
            }
        }
        now_ = until;
        return ran;
    }

    [[nodiscard]] Millis now() const { return now_; }
    [[nodiscard]] std::size_t pending() const { return live_.size(); }
    [[nodiscard]] const std::map<std::string, int>& run_counts() const { return run_counts_; }

private:
    struct LaterFirst {
        bool operator()(const std::shared_ptr<Task>& a, const std::shared_ptr<Task>& b) const {
            // Earlier due time wins; ties broken by id so the order is deterministic.
            return a->due != b->due ? a->due > b->due : a->id > b->id;
        }
    };

    TaskId push(std::string name, Millis due, std::optional<Millis> period,
                std::function<void(TaskId)> body) {
        const TaskId id = next_id_++;
        queue_.push(std::make_shared<Task>(
            Task{id, std::move(name), due, period, std::move(body)}));
        live_.insert(id);
        return id;
    }

    Millis now_{0};
    TaskId next_id_ = 1;
    std::priority_queue<std::shared_ptr<Task>, std::vector<std::shared_ptr<Task>>, LaterFirst>
        queue_;
    std::unordered_set<TaskId> live_;
    std::map<std::string, int> run_counts_;
};

}  // namespace sched

int main() {
    using namespace std::chrono_literals;
    sched::Scheduler s;
    int heartbeats = 0;

    s.schedule_every("heartbeat", 250ms, [&](sched::TaskId) { ++heartbeats; });
    const auto report = s.schedule_every("report", 1s, [&](sched::TaskId) {
        std::cout << std::setw(6) << s.now().count() << " ms  heartbeats so far: " << heartbeats
                  << '\n';
    });
    s.schedule_once("shutdown-warning", 2500ms, [&](sched::TaskId) {
        std::cout << "⚠️  arrêt prévu dans 500 ms (Übertragung wird beendet)\n";
    });
    s.schedule_once("stop-report", 3s, [&](sched::TaskId) { s.cancel(report); });

    for (int step = 0; step < 8; ++step) {
        s.advance(500ms);
    }

    std::cout << "pending tasks: " << s.pending() << '\n';
    for (const auto& [name, count] : s.run_counts()) {
        std::cout << "  " << std::left << std::setw(18) << name << count << '\n';
    }
    return 0;
}
