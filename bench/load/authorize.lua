-- POST /api/v1/authorize for one already granted scope, with the session token from the environment.
wrk.method = "POST"
wrk.path = "/api/v1/authorize?wait=0"
wrk.body = '{"scope":"scope.userLocation"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("UNI_SESSION_TOKEN")

function response(status, headers, body)
  if status ~= 200 then
    print("unexpected status " .. status .. ": " .. body)
    os.exit(1)
  end
end
