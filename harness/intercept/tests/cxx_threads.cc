// C++ through racehunt-c++: std::thread and std::mutex reach the same
// interceptors through libstdc++, and a class with a virtual function
// exercises the vtable hooks. Correct code: every trial must be clean.
#include <mutex>
#include <thread>

struct Counter {
	virtual ~Counter() = default;
	virtual void add(long n) { value += n; }
	long value = 0;
};

int main()
{
	Counter c;
	std::mutex m;
	auto work = [&] {
		for (int i = 0; i < 100; i++) {
			std::lock_guard<std::mutex> g(m);
			c.add(1);
		}
	};
	std::thread a(work), b(work);
	a.join();
	b.join();
	return c.value == 200 ? 0 : 1;
}
