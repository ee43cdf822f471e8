/*
 * dcvix-agent-service.exe: the Windows service host of the dcvix agent (Bun programs cannot talk to
 * the service control manager themselves). Registered by `dcvix-agent service install` as
 *
 *   dcvix-agent-service.exe LOGFILE AGENT.EXE [agent arguments...]
 *
 * it starts AGENT.EXE with DCVIX_SERVICE_HOST=1, writes its output to LOGFILE (rotated at 10 MB, five
 * old files kept: LOGFILE.1 ... LOGFILE.5), and on a stop request closes the agent's standard input,
 * which the agent takes as the request to stop cleanly; an agent still running 20 s later is ended.
 * An agent that exits on its own stops the service with a service-specific error, so the recovery
 * actions (restart) apply. Run from a console instead of the service manager, it does the same in the
 * foreground and Ctrl-C is the stop request.
 *
 * Build: x86_64-w64-mingw32-gcc -O2 -municode -o dcvix-agent-service.exe dcvix-agent-service.c
 */
#include <windows.h>
#include <stdio.h>
#include <wchar.h>

#define SERVICE_NAME L"dcvix-agent"
#define LOG_LIMIT (10 * 1024 * 1024)
#define LOG_KEEP 5
#define STOP_GRACE_MS 20000

static SERVICE_STATUS_HANDLE status_handle;
static SERVICE_STATUS status;
static HANDLE stop_event;
static HANDLE child_stdin_write;
static PROCESS_INFORMATION child;
static HANDLE log_file = INVALID_HANDLE_VALUE;
static const wchar_t *log_path;
static wchar_t *command_line;
static int as_service;

static void set_state(DWORD state, DWORD exit_code) {
  if (!as_service) return;
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted = state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  status.dwWin32ExitCode = exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
  status.dwServiceSpecificExitCode = exit_code;
  status.dwWaitHint = state == SERVICE_STOP_PENDING ? STOP_GRACE_MS + 5000 : 10000;
  SetServiceStatus(status_handle, &status);
}

static HANDLE open_log(void) {
  return CreateFileW(log_path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_DELETE, NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
}

/* LOGFILE.4 -> LOGFILE.5, ..., LOGFILE -> LOGFILE.1, then a new LOGFILE. */
static void rotate_log(void) {
  wchar_t from[MAX_PATH + 8], to[MAX_PATH + 8];
  CloseHandle(log_file);
  for (int index = LOG_KEEP - 1; index >= 1; index--) {
    swprintf(from, MAX_PATH + 8, L"%ls.%d", log_path, index);
    swprintf(to, MAX_PATH + 8, L"%ls.%d", log_path, index + 1);
    MoveFileExW(from, to, MOVEFILE_REPLACE_EXISTING);
  }
  swprintf(to, MAX_PATH + 8, L"%ls.1", log_path);
  MoveFileExW(log_path, to, MOVEFILE_REPLACE_EXISTING);
  log_file = open_log();
}

static void write_log(const char *data, DWORD length) {
  DWORD written;
  LARGE_INTEGER size;
  if (log_file == INVALID_HANDLE_VALUE) return;
  if (GetFileSizeEx(log_file, &size) && size.QuadPart + length > LOG_LIMIT) rotate_log();
  if (log_file != INVALID_HANDLE_VALUE) WriteFile(log_file, data, length, &written, NULL);
}

static void host_note(const char *text) {
  char line[512];
  SYSTEMTIME now;
  GetSystemTime(&now);
  int length = snprintf(line, sizeof line, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02dZ\",\"program\":\"dcvix-agent-service\",\"msg\":\"%s\"}\n", now.wYear, now.wMonth, now.wDay,
                        now.wHour, now.wMinute, now.wSecond, text);
  if (length > 0) write_log(line, (DWORD)length);
}

/* Copies the agent's output (stdout and stderr share one pipe) into the log until the agent closes it. */
static DWORD WINAPI copy_output(LPVOID pipe) {
  char buffer[8192];
  DWORD got;
  while (ReadFile((HANDLE)pipe, buffer, sizeof buffer, &got, NULL) && got > 0) write_log(buffer, got);
  return 0;
}

static DWORD WINAPI on_control(DWORD control, DWORD type, LPVOID data, LPVOID context) {
  (void)type, (void)data, (void)context;
  if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
    set_state(SERVICE_STOP_PENDING, 0);
    SetEvent(stop_event);
    return NO_ERROR;
  }
  return control == SERVICE_CONTROL_INTERROGATE ? NO_ERROR : ERROR_CALL_NOT_IMPLEMENTED;
}

static BOOL WINAPI on_console(DWORD type) {
  (void)type;
  SetEvent(stop_event);
  return TRUE;
}

/* Starts the agent, waits for it or a stop request, and answers its exit code. */
static DWORD run_agent(void) {
  SECURITY_ATTRIBUTES inherit = {sizeof inherit, NULL, TRUE};
  HANDLE out_read, out_write, in_read;
  STARTUPINFOW startup = {0};
  DWORD code = 1;
  log_file = open_log();
  if (!CreatePipe(&out_read, &out_write, &inherit, 0) || !CreatePipe(&in_read, &child_stdin_write, &inherit, 0)) return 1;
  SetHandleInformation(out_read, HANDLE_FLAG_INHERIT, 0);
  SetHandleInformation(child_stdin_write, HANDLE_FLAG_INHERIT, 0);
  startup.cb = sizeof startup;
  startup.dwFlags = STARTF_USESTDHANDLES;
  startup.hStdInput = in_read;
  startup.hStdOutput = out_write;
  startup.hStdError = out_write;
  SetEnvironmentVariableW(L"DCVIX_SERVICE_HOST", L"1");
  if (!CreateProcessW(NULL, command_line, NULL, NULL, TRUE, CREATE_NO_WINDOW, NULL, NULL, &startup, &child)) {
    host_note("the agent could not be started");
    return 1;
  }
  CloseHandle(out_write);
  CloseHandle(in_read);
  HANDLE copier = CreateThread(NULL, 0, copy_output, out_read, 0, NULL);
  host_note("agent started");
  set_state(SERVICE_RUNNING, 0);
  HANDLE waits[2] = {child.hProcess, stop_event};
  if (WaitForMultipleObjects(2, waits, FALSE, INFINITE) == WAIT_OBJECT_0 + 1) {
    host_note("stop requested: closing the agent's standard input");
    CloseHandle(child_stdin_write);
    if (WaitForSingleObject(child.hProcess, STOP_GRACE_MS) == WAIT_TIMEOUT) {
      host_note("the agent did not stop in time: ending it");
      TerminateProcess(child.hProcess, 1);
      WaitForSingleObject(child.hProcess, 5000);
    }
    GetExitCodeProcess(child.hProcess, &code);
    code = 0;
  } else {
    GetExitCodeProcess(child.hProcess, &code);
    host_note(code == 0 ? "agent exited" : "agent exited with an error");
  }
  WaitForSingleObject(copier, 2000);
  host_note("service host stopping");
  CloseHandle(log_file);
  return code;
}

static void WINAPI service_main(DWORD argc, LPWSTR *argv) {
  (void)argc, (void)argv;
  status_handle = RegisterServiceCtrlHandlerExW(SERVICE_NAME, on_control, NULL);
  if (!status_handle) return;
  set_state(SERVICE_START_PENDING, 0);
  DWORD code = run_agent();
  set_state(SERVICE_STOPPED, code);
}

/* The command line after the first two arguments (program and log file), as given. */
static wchar_t *rest_of_command_line(void) {
  wchar_t *line = GetCommandLineW();
  for (int skip = 0; skip < 2; skip++) {
    int quoted = 0;
    while (*line == L' ' || *line == L'\t') line++;
    while (*line && (quoted || (*line != L' ' && *line != L'\t'))) {
      if (*line == L'"') quoted = !quoted;
      line++;
    }
  }
  while (*line == L' ' || *line == L'\t') line++;
  return line;
}

int wmain(int argc, wchar_t **argv) {
  if (argc < 3) {
    fwprintf(stderr, L"usage: dcvix-agent-service.exe LOGFILE AGENT.EXE [arguments...]\n");
    return 2;
  }
  log_path = argv[1];
  command_line = _wcsdup(rest_of_command_line());
  stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
  SERVICE_TABLE_ENTRYW table[] = {{SERVICE_NAME, service_main}, {NULL, NULL}};
  as_service = 1;
  if (StartServiceCtrlDispatcherW(table)) return 0;
  if (GetLastError() != ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) return 1;
  as_service = 0;
  SetConsoleCtrlHandler(on_console, TRUE);
  return (int)run_agent();
}
