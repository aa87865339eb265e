return Uni.Authorize.Bench.Benchmarks.Run(typeof(Program).Assembly, args);
