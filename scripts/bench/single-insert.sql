\set r random(1, 1000000000)
INSERT INTO bench_single (k, v) VALUES (:r, 'x');
