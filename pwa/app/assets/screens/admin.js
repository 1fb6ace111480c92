// 管理: users, rooms and who belongs to which room, as plain forms.

import { h, field, label, empty, toast, LABELS } from '../ui.js';
import { LIMITS } from '../words.js';
import * as api from '../api.js';
import { navigate } from '../router.js';

export async function admin(ctx) {
  ctx.title('管理');
  ctx.show(h('h2', {}, '管理'),
    h('ul', { class: 'list' },
      h('li', {}, h('a', { href: '/admin/users', class: 'item' }, h('span', { class: 'item-title' }, '用户'), h('span', { class: 'item-meta' }, '新增委员、审核人，停用账号'))),
      h('li', {}, h('a', { href: '/admin/import', class: 'item' }, h('span', { class: 'item-title' }, '批量导入'), h('span', { class: 'item-meta' }, '用 Excel 模板一次导入委员和议事室，打印初始密码'))),
      h('li', {}, h('a', { href: '/admin/rooms', class: 'item' }, h('span', { class: 'item-title' }, '议事室与成员'), h('span', { class: 'item-meta' }, '新建议事室，设置召集人、委员和属地审核'))),
      h('li', {}, h('a', { href: '/admin/audit', class: 'item' }, h('span', { class: 'item-title' }, '审计日志'), h('span', { class: 'item-meta' }, '登录、管理操作、导出和查看群众联系方式的记录')))));
}

function options(map, selected) {
  return Object.entries(map).map(([v, t]) => h('option', { value: v, selected: v === selected }, t));
}

function submitter(form, button, msg, run, conflict) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    button.disabled = true;
    try {
      await run();
    } catch (err) {
      msg.textContent = err.status === 409 && conflict ? conflict : api.errorText(err);
    } finally {
      button.disabled = false;
    }
  });
}

export async function adminUsers(ctx) {
  ctx.title('用户');
  const phone = h('input', { type: 'tel', name: 'phone', required: true, inputmode: 'numeric', autocomplete: 'off' });
  const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' });
  const password = h('input', { type: 'password', name: 'password', required: true, autocomplete: 'new-password', minlength: '10' });
  const role = h('select', { name: 'role' }, options(LABELS.role, 'member'));
  const body = h('select', { name: 'review_body' }, options(LABELS.body, 'county'));
  const sector = h('input', { type: 'text', name: 'sector', maxlength: String(LIMITS.sector), autocomplete: 'off' });
  const unit = h('input', { type: 'text', name: 'unit', maxlength: String(LIMITS.unit), autocomplete: 'off' });
  const bodyField = field('审核单位', body);
  const syncBody = () => { bodyField.hidden = role.value !== 'reviewer'; };
  role.addEventListener('change', syncBody);
  syncBody();
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '新增用户');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'nu-h' }, h('h3', { id: 'nu-h' }, '新增用户'),
    field('手机号', phone, { required: true }), field('姓名', name, { required: true }),
    field('初始密码', password, { required: true, hint: '至少 10 位，不能是常见密码或含手机号；用户首次登录后须改成自己的密码' }), field('角色', role), bodyField,
    field('界别', sector), field('单位/乡镇', unit), msg, button);
  const list = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  submitter(form, button, msg, async () => {
    const req = { phone: phone.value.trim(), name: name.value.trim(), password: password.value, role: role.value,
      sector: sector.value.trim(), unit: unit.value.trim() };
    if (role.value === 'reviewer') req.review_body = body.value;
    await api.send('POST', '/api/v1/users', req);
    toast('已新增用户 ' + req.name, { kind: 'ok' });
    form.reset();
    syncBody();
    load();
  }, '这个手机号已经有账号了。');
  const load = async () => {
    try {
      const users = api.items((await api.get('/api/v1/users?limit=200')).data);
      list.replaceChildren(users.length ? h('ul', { class: 'list plain' }, users.map((u) => {
        const toggle = h('button', { type: 'button', class: 'btn small ' + (u.active ? 'ghost' : '') }, u.active ? '停用' : '启用');
        toggle.addEventListener('click', async () => {
          if (u.active && !confirm('停用 ' + u.name + '？其登录会立即失效。')) return;
          try { await api.send('PATCH', '/api/v1/users/' + encodeURIComponent(u.id), { active: !u.active }); load(); } catch (e) {
            toast(e.status === 409 ? '这是唯一启用的管理员，不能停用。' : api.errorText(e), { kind: 'error' });
          }
        });
        const edit = h('button', { type: 'button', class: 'btn small ghost', 'aria-expanded': 'false' }, '修改');
        const editor = userEditor(u, load);
        edit.addEventListener('click', () => {
          editor.hidden = !editor.hidden;
          edit.setAttribute('aria-expanded', String(!editor.hidden));
          if (!editor.hidden) editor.querySelector('input').focus();
        });
        return h('li', { class: 'row-item' }, h('span', {}, h('strong', {}, u.name), ' ', u.phone, ' · ', label('role', u.role),
          u.role === 'reviewer' ? '（' + label('body', u.review_body) + '）' : '', u.sector ? ' · ' + u.sector : '', u.unit ? ' · ' + u.unit : '',
          u.active ? '' : ' · 已停用'), edit, toggle, editor);
      })) : empty('没有用户。'));
    } catch (e) { list.replaceChildren(h('p', { class: 'error' }, api.errorText(e))); }
  };
  ctx.show(h('h2', {}, '用户'), form, h('h3', {}, '全部用户'), list);
  load();
}

// userEditor is the hidden form that changes where an existing user is filed: the sector
// (界别) and unit the county's duty list and member files show.
function userEditor(u, saved) {
  const sector = h('input', { type: 'text', name: 'sector', value: u.sector || '', maxlength: String(LIMITS.sector), autocomplete: 'off' });
  const unit = h('input', { type: 'text', name: 'unit', value: u.unit || '', maxlength: String(LIMITS.unit), autocomplete: 'off' });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn small primary' }, '保存');
  const form = h('form', { class: 'form', novalidate: true, hidden: true, 'aria-label': '修改 ' + u.name },
    field('界别', sector), field('单位/乡镇', unit), msg, button);
  submitter(form, button, msg, async () => {
    await api.send('PATCH', '/api/v1/users/' + encodeURIComponent(u.id), { sector: sector.value.trim(), unit: unit.value.trim() });
    toast('已保存 ' + u.name + ' 的界别和单位', { kind: 'ok' });
    saved();
  });
  return form;
}

export async function adminRooms(ctx) {
  ctx.title('议事室');
  const name = h('input', { type: 'text', name: 'name', required: true });
  const level = h('select', { name: 'level' }, options(LABELS.level, 'village'));
  const address = h('input', { type: 'text', name: 'address' });
  const plate = h('input', { type: 'checkbox', name: 'has_door_plate', id: 'plate' });
  const rules = h('textarea', { name: 'rules', rows: '3' });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '新建议事室');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'nr-h' }, h('h3', { id: 'nr-h' }, '新建议事室'),
    field('名称', name, { required: true }), field('层级', level), field('地址（场地）', address),
    h('div', { class: 'field check' }, plate, h('label', { for: 'plate' }, '已挂门牌')), field('制度', rules), msg, button);
  submitter(form, button, msg, async () => {
    const r = await api.send('POST', '/api/v1/rooms', { name: name.value.trim(), level: level.value, address: address.value.trim(), has_door_plate: plate.checked, rules: rules.value.trim() });
    toast('已新建议事室 ' + r.name, { kind: 'ok' });
    navigate('/admin/rooms/' + encodeURIComponent(r.id));
  });
  const list = h('div', {}, h('p', { class: 'loading' }, '正在加载…'));
  ctx.show(h('h2', {}, '议事室与成员'), form, h('h3', {}, '全部议事室'), list);
  try {
    const rooms = api.items((await api.get('/api/v1/rooms?limit=200')).data);
    list.replaceChildren(rooms.length ? h('ul', { class: 'list' }, rooms.map((r) => h('li', {},
      h('a', { href: '/admin/rooms/' + encodeURIComponent(r.id), class: 'item' }, h('span', { class: 'item-title' }, r.name), h('span', { class: 'item-meta' }, label('level', r.level)))))) : empty('还没有议事室。'));
  } catch (e) { list.replaceChildren(h('p', { class: 'error' }, api.errorText(e))); }
}

export async function adminRoom(ctx) {
  const id = ctx.params.id;
  ctx.title('议事室成员');
  const [roomRes, usersRes] = await Promise.all([api.get('/api/v1/rooms/' + encodeURIComponent(id)), api.get('/api/v1/users?limit=200')]);
  const room = roomRes.data;
  const users = api.items(usersRes.data).filter((u) => u.role !== 'admin');
  const user = h('select', { name: 'user_id', required: true }, h('option', { value: '' }, '请选择用户'), users.map((u) => h('option', { value: u.id }, u.name + ' ' + u.phone)));
  const role = h('select', { name: 'role' }, options(LABELS.roomRole, 'member'));
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'btn primary block' }, '加入或修改角色');
  const form = h('form', { class: 'card form', novalidate: true, 'aria-labelledby': 'am-h' }, h('h3', { id: 'am-h' }, '设置成员'), field('用户', user, { required: true }), field('室内角色', role), msg, button);
  submitter(form, button, msg, async () => {
    if (!user.value) { msg.textContent = '请选择用户。'; return; }
    await api.send('PUT', '/api/v1/rooms/' + encodeURIComponent(id) + '/members/' + encodeURIComponent(user.value), { role: role.value });
    toast('已保存', { kind: 'ok' });
    navigate(location.pathname, { replace: true });
  });
  const members = room.members || [];
  ctx.title(room.name);
  ctx.show(h('h2', {}, room.name), h('p', { class: 'muted' }, label('level', room.level), room.address ? ' · ' + room.address : ''), form,
    h('h3', {}, '成员'),
    members.length ? h('ul', { class: 'list plain' }, members.map((m) => {
      const rm = h('button', { type: 'button', class: 'btn small ghost', 'aria-label': '移出 ' + m.name }, '移出');
      rm.addEventListener('click', async () => {
        if (!confirm('把 ' + m.name + ' 移出本议事室？')) return;
        try { await api.send('DELETE', '/api/v1/rooms/' + encodeURIComponent(id) + '/members/' + encodeURIComponent(m.user_id)); navigate(location.pathname, { replace: true }); } catch (e) { toast(api.errorText(e), { kind: 'error' }); }
      });
      return h('li', { class: 'row-item' }, h('span', {}, m.name + ' · ' + label('roomRole', m.role)), rm);
    })) : empty('还没有成员。'));
}
